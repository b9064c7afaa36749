import { Metadata, status } from '@grpc/grpc-js';
import type { ServiceError, StatusObject } from '@grpc/grpc-js';
import { JsonRpcErrorCode, MCPErrorCode, parseErrorCode } from '@mcpman/core';
import type { JsonRpcErrorBody } from '@mcpman/core';

/** Trailer carrying the JSON-RPC error object (UTF-8 JSON), so clients lose nothing of it. */
export const ERROR_TRAILER = 'mcp-error-bin';

const J = JsonRpcErrorCode;

/** Our own error codes that say more than the JSON-RPC number does. */
const BY_MCP_CODE: Partial<Record<MCPErrorCode, status>> = {
  [MCPErrorCode.ServerNotFound]: status.NOT_FOUND,
  [MCPErrorCode.ResourceNotFound]: status.NOT_FOUND,
  [MCPErrorCode.SessionNotFound]: status.NOT_FOUND,
  [MCPErrorCode.ProtocolMissingCapability]: status.FAILED_PRECONDITION,
};

const BY_JSON_RPC: Readonly<Record<number, status>> = {
  [J.ParseError]: status.INVALID_ARGUMENT,
  [J.InvalidRequest]: status.INVALID_ARGUMENT,
  [J.InvalidParams]: status.INVALID_ARGUMENT,
  [J.HeaderMismatch]: status.INVALID_ARGUMENT,
  [J.UnsupportedProtocolVersion]: status.INVALID_ARGUMENT,
  [J.MissingRequiredClientCapability]: status.FAILED_PRECONDITION,
  [J.MethodNotFound]: status.UNIMPLEMENTED,
  [J.NotImplemented]: status.UNIMPLEMENTED,
  [J.ResourceNotFound]: status.NOT_FOUND,
  [J.SessionNotFound]: status.NOT_FOUND,
  [J.Unauthorized]: status.UNAUTHENTICATED,
  [J.Forbidden]: status.PERMISSION_DENIED,
  [J.RateLimited]: status.RESOURCE_EXHAUSTED,
  [J.PayloadTooLarge]: status.RESOURCE_EXHAUSTED,
  [J.ServerUnavailable]: status.UNAVAILABLE,
  [J.ConnectionClosed]: status.UNAVAILABLE,
  [J.RequestTimeout]: status.DEADLINE_EXCEEDED,
  [J.Cancelled]: status.CANCELLED,
  [J.InternalError]: status.INTERNAL,
};

/** The gRPC status for a JSON-RPC error; UNKNOWN for codes an MCP server defined itself. */
export function grpcStatusOf(error: JsonRpcErrorBody): status {
  const data = error.data;
  const ours =
    typeof data === 'object' && data !== null && 'code' in data && typeof data.code === 'string'
      ? parseErrorCode(data.code)
      : undefined;
  return (ours === undefined ? undefined : BY_MCP_CODE[ours]) ?? BY_JSON_RPC[error.code] ?? status.UNKNOWN;
}

/** A gRPC error status carrying the JSON-RPC error in its trailer. */
export function toServiceError(error: JsonRpcErrorBody): Partial<StatusObject> {
  const metadata = new Metadata();
  metadata.set(ERROR_TRAILER, Buffer.from(JSON.stringify(error), 'utf8'));
  return { code: grpcStatusOf(error), details: error.message, metadata };
}

/** The JSON-RPC error a failed call carried, or one made from its status when it had none. */
export function jsonRpcErrorOf(error: ServiceError): JsonRpcErrorBody {
  const raw = error.metadata.get(ERROR_TRAILER)[0];
  if (raw !== undefined) {
    try {
      const parsed: unknown = JSON.parse(Buffer.isBuffer(raw) ? raw.toString('utf8') : raw);
      if (typeof parsed === 'object' && parsed !== null && 'code' in parsed && 'message' in parsed) {
        const body = parsed as { code: unknown; message: unknown; data?: unknown };
        if (typeof body.code === 'number' && typeof body.message === 'string') {
          return {
            code: body.code,
            message: body.message,
            ...(body.data === undefined ? {} : { data: body.data }),
          };
        }
      }
    } catch {
      // Fall through to the status.
    }
  }
  const code =
    error.code === status.RESOURCE_EXHAUSTED
      ? J.PayloadTooLarge
      : error.code === status.UNAVAILABLE
        ? J.ServerUnavailable
        : error.code === status.DEADLINE_EXCEEDED
          ? J.RequestTimeout
          : error.code === status.UNAUTHENTICATED
            ? J.Unauthorized
            : error.code === status.PERMISSION_DENIED
              ? J.Forbidden
              : J.InternalError;
  return { code, message: error.details };
}
