import { MCPErrorCode } from '@mcpman/shared/contract';

/*
 * Every failure the manager can report has one of the codes of MCPErrorCode (defined with the
 * wire types in @mcpman/shared, since the dashboard and the CLI show them too). This file maps
 * each to the wire: JSON-RPC code, HTTP status, and whether trying again can help.
 */
export { MCPErrorCode };

/** JSON-RPC 2.0 reserved codes, and the MCP-specific ones the spec and SDKs use. */
export const JsonRpcErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  /** SDK v1 `ConnectionClosed`. */
  ConnectionClosed: -32000,
  /** SDK v1 `RequestTimeout`. */
  RequestTimeout: -32001,
  /** Session-era resource not found (2026-07-28 uses InvalidParams instead). */
  ResourceNotFound: -32002,
  /** 2026-07-28: `Mcp-Method`/`Mcp-Name` header disagrees with the body. */
  HeaderMismatch: -32020,
  /** 2026-07-28: the request needs a client capability the client did not declare. */
  MissingRequiredClientCapability: -32021,
  /** 2026-07-28: protocol version not supported. */
  UnsupportedProtocolVersion: -32022,
  // Implementation-defined server errors (-32000..-32099) used by this project.
  Unauthorized: -32030,
  Forbidden: -32031,
  RateLimited: -32032,
  ServerUnavailable: -32033,
  UpstreamError: -32034,
  PayloadTooLarge: -32035,
  Cancelled: -32036,
  NotImplemented: -32037,
  SessionNotFound: -32038,
  /** The cluster's shared state (Redis) did not answer. */
  StateUnavailable: -32039,
} as const;

export type JsonRpcErrorCodeValue = (typeof JsonRpcErrorCode)[keyof typeof JsonRpcErrorCode];

export interface ErrorCodeMapping {
  readonly jsonRpc: JsonRpcErrorCodeValue;
  readonly httpStatus: number;
  /** Worth retrying the same operation later (a restart, a lost connection), not a user mistake. */
  readonly transient: boolean;
}

const J = JsonRpcErrorCode;

/**
 * The one table from our codes to the wire. Exhaustive by type: adding a code without a mapping
 * fails to compile.
 */
export const ERROR_CODE_MAPPING: { readonly [K in MCPErrorCode]: ErrorCodeMapping } = {
  [MCPErrorCode.ConfigNotFound]: { jsonRpc: J.InvalidParams, httpStatus: 404, transient: false },
  [MCPErrorCode.ConfigParse]: { jsonRpc: J.InvalidParams, httpStatus: 400, transient: false },
  [MCPErrorCode.ConfigInvalid]: { jsonRpc: J.InvalidParams, httpStatus: 422, transient: false },
  [MCPErrorCode.ConfigWrite]: { jsonRpc: J.InternalError, httpStatus: 500, transient: false },

  [MCPErrorCode.EngineUnavailable]: { jsonRpc: J.ServerUnavailable, httpStatus: 503, transient: true },
  // The engine answered, and the answer was no (4xx, or a 500 about the request itself).
  [MCPErrorCode.EngineRequestFailed]: { jsonRpc: J.InternalError, httpStatus: 502, transient: false },
  [MCPErrorCode.EngineTimeout]: { jsonRpc: J.RequestTimeout, httpStatus: 504, transient: true },

  [MCPErrorCode.ImageNotFound]: { jsonRpc: J.InvalidParams, httpStatus: 404, transient: false },
  [MCPErrorCode.ImagePullFailed]: { jsonRpc: J.ServerUnavailable, httpStatus: 502, transient: true },
  [MCPErrorCode.ImagePushFailed]: { jsonRpc: J.InternalError, httpStatus: 502, transient: false },
  [MCPErrorCode.ImageBuildFailed]: { jsonRpc: J.InternalError, httpStatus: 500, transient: false },
  [MCPErrorCode.PackageInstallFailed]: { jsonRpc: J.InternalError, httpStatus: 502, transient: true },

  [MCPErrorCode.ContainerCreateFailed]: { jsonRpc: J.InternalError, httpStatus: 500, transient: false },
  [MCPErrorCode.ContainerStartFailed]: { jsonRpc: J.InternalError, httpStatus: 500, transient: true },
  [MCPErrorCode.ContainerExited]: { jsonRpc: J.ServerUnavailable, httpStatus: 503, transient: true },
  [MCPErrorCode.ContainerOomKilled]: { jsonRpc: J.ServerUnavailable, httpStatus: 503, transient: true },
  [MCPErrorCode.ContainerNotFound]: { jsonRpc: J.ServerUnavailable, httpStatus: 404, transient: false },

  [MCPErrorCode.ServerNotFound]: { jsonRpc: J.InvalidParams, httpStatus: 404, transient: false },
  [MCPErrorCode.ServerNotReady]: { jsonRpc: J.ServerUnavailable, httpStatus: 503, transient: true },
  [MCPErrorCode.ServerFailed]: { jsonRpc: J.ServerUnavailable, httpStatus: 503, transient: false },
  [MCPErrorCode.HealthStartupTimeout]: { jsonRpc: J.ServerUnavailable, httpStatus: 503, transient: true },
  [MCPErrorCode.HealthCheckFailed]: { jsonRpc: J.ServerUnavailable, httpStatus: 503, transient: true },

  [MCPErrorCode.SecretNotFound]: { jsonRpc: J.InvalidParams, httpStatus: 404, transient: false },
  [MCPErrorCode.SecretInvalid]: { jsonRpc: J.InvalidParams, httpStatus: 400, transient: false },
  [MCPErrorCode.SecretForbidden]: { jsonRpc: J.Forbidden, httpStatus: 403, transient: false },

  [MCPErrorCode.UpstreamUnavailable]: { jsonRpc: J.ServerUnavailable, httpStatus: 503, transient: true },
  [MCPErrorCode.UpstreamTimeout]: { jsonRpc: J.RequestTimeout, httpStatus: 504, transient: true },
  [MCPErrorCode.UpstreamClosed]: { jsonRpc: J.ConnectionClosed, httpStatus: 502, transient: true },
  [MCPErrorCode.UpstreamProtocol]: { jsonRpc: J.UpstreamError, httpStatus: 502, transient: false },

  [MCPErrorCode.TransportError]: { jsonRpc: J.InternalError, httpStatus: 400, transient: false },
  [MCPErrorCode.PayloadTooLarge]: { jsonRpc: J.PayloadTooLarge, httpStatus: 413, transient: false },
  [MCPErrorCode.UnsupportedMediaType]: { jsonRpc: J.InvalidRequest, httpStatus: 415, transient: false },
  [MCPErrorCode.NotAcceptable]: { jsonRpc: J.InvalidRequest, httpStatus: 406, transient: false },
  [MCPErrorCode.SessionNotFound]: { jsonRpc: J.SessionNotFound, httpStatus: 404, transient: false },

  [MCPErrorCode.AuthRequired]: { jsonRpc: J.Unauthorized, httpStatus: 401, transient: false },
  [MCPErrorCode.AuthInvalid]: { jsonRpc: J.Unauthorized, httpStatus: 401, transient: false },
  [MCPErrorCode.AuthForbidden]: { jsonRpc: J.Forbidden, httpStatus: 403, transient: false },
  [MCPErrorCode.OriginForbidden]: { jsonRpc: J.Forbidden, httpStatus: 403, transient: false },
  [MCPErrorCode.HostForbidden]: { jsonRpc: J.Forbidden, httpStatus: 421, transient: false },

  [MCPErrorCode.RateLimited]: { jsonRpc: J.RateLimited, httpStatus: 429, transient: true },
  [MCPErrorCode.LimitExceeded]: { jsonRpc: J.RateLimited, httpStatus: 429, transient: true },
  [MCPErrorCode.StateUnavailable]: { jsonRpc: J.StateUnavailable, httpStatus: 503, transient: true },

  [MCPErrorCode.CatalogUnavailable]: { jsonRpc: J.ServerUnavailable, httpStatus: 503, transient: true },
  [MCPErrorCode.CatalogNotFound]: { jsonRpc: J.InvalidParams, httpStatus: 404, transient: false },
  [MCPErrorCode.CatalogInvalid]: { jsonRpc: J.InvalidParams, httpStatus: 422, transient: false },
  [MCPErrorCode.CatalogUnsupported]: { jsonRpc: J.InvalidParams, httpStatus: 422, transient: false },

  [MCPErrorCode.ProtocolParseError]: { jsonRpc: J.ParseError, httpStatus: 400, transient: false },
  [MCPErrorCode.ProtocolInvalidRequest]: { jsonRpc: J.InvalidRequest, httpStatus: 400, transient: false },
  [MCPErrorCode.ProtocolMethodNotFound]: { jsonRpc: J.MethodNotFound, httpStatus: 404, transient: false },
  [MCPErrorCode.ProtocolInvalidParams]: { jsonRpc: J.InvalidParams, httpStatus: 400, transient: false },
  [MCPErrorCode.ProtocolUnsupportedVersion]: {
    jsonRpc: J.UnsupportedProtocolVersion,
    httpStatus: 400,
    transient: false,
  },
  [MCPErrorCode.ProtocolHeaderMismatch]: { jsonRpc: J.HeaderMismatch, httpStatus: 400, transient: false },
  [MCPErrorCode.ProtocolMissingCapability]: {
    jsonRpc: J.MissingRequiredClientCapability,
    httpStatus: 400,
    transient: false,
  },
  [MCPErrorCode.ProtocolNotBridgeable]: { jsonRpc: J.MethodNotFound, httpStatus: 400, transient: false },
  [MCPErrorCode.ResourceNotFound]: { jsonRpc: J.ResourceNotFound, httpStatus: 404, transient: false },

  [MCPErrorCode.Cancelled]: { jsonRpc: J.Cancelled, httpStatus: 499, transient: false },
  [MCPErrorCode.Timeout]: { jsonRpc: J.RequestTimeout, httpStatus: 504, transient: true },
  [MCPErrorCode.CircuitOpen]: { jsonRpc: J.ServerUnavailable, httpStatus: 503, transient: true },
  [MCPErrorCode.NotImplemented]: { jsonRpc: J.NotImplemented, httpStatus: 501, transient: false },
  [MCPErrorCode.Internal]: { jsonRpc: J.InternalError, httpStatus: 500, transient: false },
};

export function jsonRpcCodeFor(code: MCPErrorCode): JsonRpcErrorCodeValue {
  return ERROR_CODE_MAPPING[code].jsonRpc;
}

export function httpStatusFor(code: MCPErrorCode): number {
  return ERROR_CODE_MAPPING[code].httpStatus;
}

export function isTransientCode(code: MCPErrorCode): boolean {
  return ERROR_CODE_MAPPING[code].transient;
}

const CODES_BY_VALUE = new Map<string, MCPErrorCode>(Object.values(MCPErrorCode).map((code) => [code, code]));

/** The code a string names (an error that crossed a wire), if it is one of ours. */
export function parseErrorCode(value: string): MCPErrorCode | undefined {
  return CODES_BY_VALUE.get(value);
}
