import { Metadata, status } from '@grpc/grpc-js';
import type { ServiceError, StatusObject } from '@grpc/grpc-js';
import { GRPC_STATUS_BY_JSON_RPC, JsonRpcErrorCode, grpcStatusFor, parseErrorCode } from '@mcpman/protocol';
import type { JsonRpcErrorBody } from '@mcpman/protocol';

/** Trailer carrying the JSON-RPC error object (UTF-8 JSON), so clients lose nothing of it. */
export const ERROR_TRAILER = 'mcp-error-bin';

const J = JsonRpcErrorCode;

/**
 * The gRPC status for a JSON-RPC error: our own codes by the one table (`core/src/errors/codes.ts`),
 * other errors (a server's own answer passed on) by their JSON-RPC code; UNKNOWN for codes a
 * server defined itself.
 */
export function grpcStatusOf(error: JsonRpcErrorBody): status {
  const data = error.data;
  const ours =
    typeof data === 'object' && data !== null && 'code' in data && typeof data.code === 'string'
      ? parseErrorCode(data.code)
      : undefined;
  const code = ours === undefined ? GRPC_STATUS_BY_JSON_RPC[error.code] : grpcStatusFor(ours);
  return (code === undefined ? undefined : STATUS_BY_NUMBER.get(code)) ?? status.UNKNOWN;
}

/** grpc-js's status enum by number: the table holds gRPC's own numbers (grpc/doc/statuscodes.md). */
const STATUS_BY_NUMBER = new Map<number, status>(
  Object.values(status)
    .filter((value): value is status => typeof value === 'number')
    .map((value) => [value, value]),
);

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
