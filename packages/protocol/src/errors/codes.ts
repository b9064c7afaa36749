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

/** gRPC status codes (grpc/doc/statuscodes.md), so the table needs no gRPC library. */
export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

export type GrpcStatusValue = (typeof GrpcStatus)[keyof typeof GrpcStatus];

export interface ErrorCodeMapping {
  readonly jsonRpc: JsonRpcErrorCodeValue;
  /** The status of an HTTP answer that is only this error (a refusal, not a result). */
  readonly httpStatus: number;
  /** The status of a gRPC call that fails with it; the JSON-RPC error rides in its trailer. */
  readonly grpc: GrpcStatusValue;
  /** Worth retrying the same operation later (a restart, a lost connection), not a user mistake. */
  readonly transient: boolean;
}

const J = JsonRpcErrorCode;
const G = GrpcStatus;

/**
 * The one table from our codes to the wire. Exhaustive by type: adding a code without a mapping
 * fails to compile.
 */
export const ERROR_CODE_MAPPING: { readonly [K in MCPErrorCode]: ErrorCodeMapping } = {
  [MCPErrorCode.ConfigNotFound]: {
    jsonRpc: J.InvalidParams,
    httpStatus: 404,
    grpc: G.NOT_FOUND,
    transient: false,
  },
  [MCPErrorCode.ConfigParse]: {
    jsonRpc: J.InvalidParams,
    httpStatus: 400,
    grpc: G.INVALID_ARGUMENT,
    transient: false,
  },
  [MCPErrorCode.ConfigInvalid]: {
    jsonRpc: J.InvalidParams,
    httpStatus: 422,
    grpc: G.INVALID_ARGUMENT,
    transient: false,
  },
  [MCPErrorCode.ConfigWrite]: {
    jsonRpc: J.InternalError,
    httpStatus: 500,
    grpc: G.INTERNAL,
    transient: false,
  },

  [MCPErrorCode.EngineUnavailable]: {
    jsonRpc: J.ServerUnavailable,
    httpStatus: 503,
    grpc: G.UNAVAILABLE,
    transient: true,
  },
  // The engine answered, and the answer was no (4xx, or a 500 about the request itself).
  [MCPErrorCode.EngineRequestFailed]: {
    jsonRpc: J.InternalError,
    httpStatus: 502,
    grpc: G.INTERNAL,
    transient: false,
  },
  [MCPErrorCode.EngineTimeout]: {
    jsonRpc: J.RequestTimeout,
    httpStatus: 504,
    grpc: G.DEADLINE_EXCEEDED,
    transient: true,
  },

  [MCPErrorCode.ImageNotFound]: {
    jsonRpc: J.InvalidParams,
    httpStatus: 404,
    grpc: G.NOT_FOUND,
    transient: false,
  },
  [MCPErrorCode.ImagePullFailed]: {
    jsonRpc: J.ServerUnavailable,
    httpStatus: 502,
    grpc: G.UNAVAILABLE,
    transient: true,
  },
  [MCPErrorCode.ImagePushFailed]: {
    jsonRpc: J.InternalError,
    httpStatus: 502,
    grpc: G.INTERNAL,
    transient: false,
  },
  [MCPErrorCode.ImageBuildFailed]: {
    jsonRpc: J.InternalError,
    httpStatus: 500,
    grpc: G.INTERNAL,
    transient: false,
  },
  [MCPErrorCode.PackageInstallFailed]: {
    jsonRpc: J.InternalError,
    httpStatus: 502,
    grpc: G.UNAVAILABLE,
    transient: true,
  },

  [MCPErrorCode.ContainerCreateFailed]: {
    jsonRpc: J.InternalError,
    httpStatus: 500,
    grpc: G.INTERNAL,
    transient: false,
  },
  [MCPErrorCode.ContainerStartFailed]: {
    jsonRpc: J.InternalError,
    httpStatus: 500,
    grpc: G.UNAVAILABLE,
    transient: true,
  },
  [MCPErrorCode.ContainerExited]: {
    jsonRpc: J.ServerUnavailable,
    httpStatus: 503,
    grpc: G.UNAVAILABLE,
    transient: true,
  },
  [MCPErrorCode.ContainerOomKilled]: {
    jsonRpc: J.ServerUnavailable,
    httpStatus: 503,
    grpc: G.UNAVAILABLE,
    transient: true,
  },
  [MCPErrorCode.ContainerNotFound]: {
    jsonRpc: J.ServerUnavailable,
    httpStatus: 404,
    grpc: G.NOT_FOUND,
    transient: false,
  },

  [MCPErrorCode.ServerNotFound]: {
    jsonRpc: J.InvalidParams,
    httpStatus: 404,
    grpc: G.NOT_FOUND,
    transient: false,
  },
  [MCPErrorCode.ProfileNotFound]: {
    jsonRpc: J.InvalidParams,
    httpStatus: 404,
    grpc: G.NOT_FOUND,
    transient: false,
  },
  [MCPErrorCode.ServerNotReady]: {
    jsonRpc: J.ServerUnavailable,
    httpStatus: 503,
    grpc: G.UNAVAILABLE,
    transient: true,
  },
  [MCPErrorCode.ServerFailed]: {
    jsonRpc: J.ServerUnavailable,
    httpStatus: 503,
    grpc: G.UNAVAILABLE,
    transient: false,
  },
  [MCPErrorCode.HealthStartupTimeout]: {
    jsonRpc: J.ServerUnavailable,
    httpStatus: 503,
    grpc: G.UNAVAILABLE,
    transient: true,
  },
  [MCPErrorCode.HealthCheckFailed]: {
    jsonRpc: J.ServerUnavailable,
    httpStatus: 503,
    grpc: G.UNAVAILABLE,
    transient: true,
  },

  [MCPErrorCode.SecretNotFound]: {
    jsonRpc: J.InvalidParams,
    httpStatus: 404,
    grpc: G.NOT_FOUND,
    transient: false,
  },
  [MCPErrorCode.SecretInvalid]: {
    jsonRpc: J.InvalidParams,
    httpStatus: 400,
    grpc: G.INVALID_ARGUMENT,
    transient: false,
  },
  [MCPErrorCode.SecretForbidden]: {
    jsonRpc: J.Forbidden,
    httpStatus: 403,
    grpc: G.PERMISSION_DENIED,
    transient: false,
  },

  [MCPErrorCode.UpstreamUnavailable]: {
    jsonRpc: J.ServerUnavailable,
    httpStatus: 503,
    grpc: G.UNAVAILABLE,
    transient: true,
  },
  [MCPErrorCode.UpstreamTimeout]: {
    jsonRpc: J.RequestTimeout,
    httpStatus: 504,
    grpc: G.DEADLINE_EXCEEDED,
    transient: true,
  },
  [MCPErrorCode.UpstreamClosed]: {
    jsonRpc: J.ConnectionClosed,
    httpStatus: 502,
    grpc: G.UNAVAILABLE,
    transient: true,
  },
  [MCPErrorCode.UpstreamProtocol]: {
    jsonRpc: J.UpstreamError,
    httpStatus: 502,
    grpc: G.UNKNOWN,
    transient: false,
  },

  [MCPErrorCode.TransportError]: {
    jsonRpc: J.InternalError,
    httpStatus: 400,
    grpc: G.INVALID_ARGUMENT,
    transient: false,
  },
  [MCPErrorCode.PayloadTooLarge]: {
    jsonRpc: J.PayloadTooLarge,
    httpStatus: 413,
    grpc: G.RESOURCE_EXHAUSTED,
    transient: false,
  },
  [MCPErrorCode.UnsupportedMediaType]: {
    jsonRpc: J.InvalidRequest,
    httpStatus: 415,
    grpc: G.INVALID_ARGUMENT,
    transient: false,
  },
  [MCPErrorCode.NotAcceptable]: {
    jsonRpc: J.InvalidRequest,
    httpStatus: 406,
    grpc: G.INVALID_ARGUMENT,
    transient: false,
  },
  [MCPErrorCode.SessionNotFound]: {
    jsonRpc: J.SessionNotFound,
    httpStatus: 404,
    grpc: G.NOT_FOUND,
    transient: false,
  },

  [MCPErrorCode.AuthRequired]: {
    jsonRpc: J.Unauthorized,
    httpStatus: 401,
    grpc: G.UNAUTHENTICATED,
    transient: false,
  },
  [MCPErrorCode.AuthInvalid]: {
    jsonRpc: J.Unauthorized,
    httpStatus: 401,
    grpc: G.UNAUTHENTICATED,
    transient: false,
  },
  [MCPErrorCode.AuthForbidden]: {
    jsonRpc: J.Forbidden,
    httpStatus: 403,
    grpc: G.PERMISSION_DENIED,
    transient: false,
  },
  [MCPErrorCode.OriginForbidden]: {
    jsonRpc: J.Forbidden,
    httpStatus: 403,
    grpc: G.PERMISSION_DENIED,
    transient: false,
  },
  [MCPErrorCode.HostForbidden]: {
    jsonRpc: J.Forbidden,
    httpStatus: 421,
    grpc: G.PERMISSION_DENIED,
    transient: false,
  },

  [MCPErrorCode.RateLimited]: {
    jsonRpc: J.RateLimited,
    httpStatus: 429,
    grpc: G.RESOURCE_EXHAUSTED,
    transient: true,
  },
  [MCPErrorCode.LimitExceeded]: {
    jsonRpc: J.RateLimited,
    httpStatus: 429,
    grpc: G.RESOURCE_EXHAUSTED,
    transient: true,
  },
  [MCPErrorCode.StateUnavailable]: {
    jsonRpc: J.StateUnavailable,
    httpStatus: 503,
    grpc: G.UNAVAILABLE,
    transient: true,
  },

  [MCPErrorCode.CatalogUnavailable]: {
    jsonRpc: J.ServerUnavailable,
    httpStatus: 503,
    grpc: G.UNAVAILABLE,
    transient: true,
  },
  [MCPErrorCode.CatalogNotFound]: {
    jsonRpc: J.InvalidParams,
    httpStatus: 404,
    grpc: G.NOT_FOUND,
    transient: false,
  },
  [MCPErrorCode.CatalogInvalid]: {
    jsonRpc: J.InvalidParams,
    httpStatus: 422,
    grpc: G.INVALID_ARGUMENT,
    transient: false,
  },
  [MCPErrorCode.CatalogUnsupported]: {
    jsonRpc: J.InvalidParams,
    httpStatus: 422,
    grpc: G.INVALID_ARGUMENT,
    transient: false,
  },

  [MCPErrorCode.ProtocolParseError]: {
    jsonRpc: J.ParseError,
    httpStatus: 400,
    grpc: G.INVALID_ARGUMENT,
    transient: false,
  },
  [MCPErrorCode.ProtocolInvalidRequest]: {
    jsonRpc: J.InvalidRequest,
    httpStatus: 400,
    grpc: G.INVALID_ARGUMENT,
    transient: false,
  },
  [MCPErrorCode.ProtocolMethodNotFound]: {
    jsonRpc: J.MethodNotFound,
    httpStatus: 404,
    grpc: G.UNIMPLEMENTED,
    transient: false,
  },
  [MCPErrorCode.ProtocolInvalidParams]: {
    jsonRpc: J.InvalidParams,
    httpStatus: 400,
    grpc: G.INVALID_ARGUMENT,
    transient: false,
  },
  [MCPErrorCode.ProtocolUnsupportedVersion]: {
    jsonRpc: J.UnsupportedProtocolVersion,
    httpStatus: 400,
    grpc: G.INVALID_ARGUMENT,
    transient: false,
  },
  [MCPErrorCode.ProtocolHeaderMismatch]: {
    jsonRpc: J.HeaderMismatch,
    httpStatus: 400,
    grpc: G.INVALID_ARGUMENT,
    transient: false,
  },
  [MCPErrorCode.ProtocolMissingCapability]: {
    jsonRpc: J.MissingRequiredClientCapability,
    httpStatus: 400,
    grpc: G.FAILED_PRECONDITION,
    transient: false,
  },
  [MCPErrorCode.ProtocolNotBridgeable]: {
    jsonRpc: J.MethodNotFound,
    httpStatus: 400,
    grpc: G.UNIMPLEMENTED,
    transient: false,
  },
  [MCPErrorCode.ResourceNotFound]: {
    jsonRpc: J.ResourceNotFound,
    httpStatus: 404,
    grpc: G.NOT_FOUND,
    transient: false,
  },

  [MCPErrorCode.Cancelled]: { jsonRpc: J.Cancelled, httpStatus: 499, grpc: G.CANCELLED, transient: false },
  [MCPErrorCode.Timeout]: {
    jsonRpc: J.RequestTimeout,
    httpStatus: 504,
    grpc: G.DEADLINE_EXCEEDED,
    transient: true,
  },
  [MCPErrorCode.CircuitOpen]: {
    jsonRpc: J.ServerUnavailable,
    httpStatus: 503,
    grpc: G.UNAVAILABLE,
    transient: true,
  },
  [MCPErrorCode.NotImplemented]: {
    jsonRpc: J.NotImplemented,
    httpStatus: 501,
    grpc: G.UNIMPLEMENTED,
    transient: false,
  },
  [MCPErrorCode.Internal]: { jsonRpc: J.InternalError, httpStatus: 500, grpc: G.INTERNAL, transient: false },
};

export function jsonRpcCodeFor(code: MCPErrorCode): JsonRpcErrorCodeValue {
  return ERROR_CODE_MAPPING[code].jsonRpc;
}

export function httpStatusFor(code: MCPErrorCode): number {
  return ERROR_CODE_MAPPING[code].httpStatus;
}

export function grpcStatusFor(code: MCPErrorCode): GrpcStatusValue {
  return ERROR_CODE_MAPPING[code].grpc;
}

/**
 * gRPC statuses for JSON-RPC errors that are not ours (a server's own answer passed on): by
 * the JSON-RPC code, UNKNOWN for codes a server defined itself.
 */
export const GRPC_STATUS_BY_JSON_RPC: Readonly<Record<number, GrpcStatusValue>> = {
  [J.ParseError]: G.INVALID_ARGUMENT,
  [J.InvalidRequest]: G.INVALID_ARGUMENT,
  [J.InvalidParams]: G.INVALID_ARGUMENT,
  [J.HeaderMismatch]: G.INVALID_ARGUMENT,
  [J.UnsupportedProtocolVersion]: G.INVALID_ARGUMENT,
  [J.MissingRequiredClientCapability]: G.FAILED_PRECONDITION,
  [J.MethodNotFound]: G.UNIMPLEMENTED,
  [J.NotImplemented]: G.UNIMPLEMENTED,
  [J.ResourceNotFound]: G.NOT_FOUND,
  [J.SessionNotFound]: G.NOT_FOUND,
  [J.Unauthorized]: G.UNAUTHENTICATED,
  [J.Forbidden]: G.PERMISSION_DENIED,
  [J.RateLimited]: G.RESOURCE_EXHAUSTED,
  [J.PayloadTooLarge]: G.RESOURCE_EXHAUSTED,
  [J.ServerUnavailable]: G.UNAVAILABLE,
  [J.ConnectionClosed]: G.UNAVAILABLE,
  [J.RequestTimeout]: G.DEADLINE_EXCEEDED,
  [J.Cancelled]: G.CANCELLED,
  [J.InternalError]: G.INTERNAL,
};

/**
 * The HTTP status of a Streamable HTTP answer carrying only a JSON-RPC error, per protocol era,
 * as the specification says: 2026-07-28 gives these errors their own status; everything else
 * (and every session-era answer to a request that reached the gateway) is 200 with the error.
 */
export const ERA_HTTP_STATUS: Readonly<Record<'session' | 'stateless', Readonly<Record<number, number>>>> = {
  session: {},
  stateless: {
    [J.MethodNotFound]: 404,
    [J.HeaderMismatch]: 400,
    [J.MissingRequiredClientCapability]: 400,
    [J.UnsupportedProtocolVersion]: 400,
  },
};

export function isTransientCode(code: MCPErrorCode): boolean {
  return ERROR_CODE_MAPPING[code].transient;
}

const CODES_BY_VALUE = new Map<string, MCPErrorCode>(Object.values(MCPErrorCode).map((code) => [code, code]));

/** The code a string names (an error that crossed a wire), if it is one of ours. */
export function parseErrorCode(value: string): MCPErrorCode | undefined {
  return CODES_BY_VALUE.get(value);
}
