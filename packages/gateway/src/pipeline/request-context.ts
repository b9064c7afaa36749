import { RemoteRpcError, secretRedactor, toMCPError } from '@mcpman/core';
import type { Cancellation, JsonRpcErrorBody, JsonRpcMessage } from '@mcpman/core';

/** Context of one request from a client, whatever transport carried it. */
export interface RequestContext {
  /** Messages related to this request, sent before its response (progress, server requests). */
  readonly emit: (message: JsonRpcMessage) => void;
  /** Fired when the transport gives up on the request (its response stream closed, a timeout). */
  readonly cancellation?: Cancellation;
  /** The transport already took this request's identity-bucket point (see `Gateway.admit`). */
  readonly admitted?: boolean;
  /** Headers of the HTTP request that carried the message (a client's `traceparent`). */
  readonly headers?: Readonly<Record<string, unknown>>;
}

/** The JSON-RPC error body for anything thrown while handling a request. */
export function errorBody(error: unknown): JsonRpcErrorBody {
  const body = error instanceof RemoteRpcError ? error.toJsonRpc() : toMCPError(error).toJsonRpc();
  // An upstream error may quote the credentials the gateway sent it (header templates).
  return secretRedactor.size === 0 ? body : (secretRedactor.redactValue(body) as JsonRpcErrorBody);
}
