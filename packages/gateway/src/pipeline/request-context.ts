import { RemoteRpcError, secretRedactor, toMCPError } from '@mcpman/protocol';
import type { Cancellation, JsonRpcErrorBody, JsonRpcMessage } from '@mcpman/protocol';
import type { ParamHeaders } from './param-headers.js';

/** Context of one request from a client, whatever transport carried it. */
export interface RequestContext {
  /** Messages related to this request, sent before its response (progress, server requests). */
  readonly emit: (message: JsonRpcMessage) => void;
  /** Fired when the transport gives up on the request (its response stream closed, a timeout). */
  readonly cancellation?: Cancellation;
  /** The transport already took this request's identity-bucket point (see `Gateway.admit`). */
  readonly admitted?: boolean;
  /**
   * W3C trace context that came with the message outside it: an HTTP request's headers, a gRPC
   * call's metadata, a WebSocket's upgrade request. It wins over a `traceparent` in the
   * message's own `_meta`, as the transport's is the nearer caller.
   */
  readonly traceContext?: TraceContext;
  /** The request's parameter headers, checked against the called tool's `x-mcp-header` parameters. */
  readonly paramHeaders?: ParamHeaders;
}

/** The W3C trace context fields (`traceparent`, and `tracestate` when there is one). */
export type TraceContext = Readonly<Record<string, string>>;

/** The trace context among a transport's headers or metadata (`get` returns a field's value). */
export function traceContextOf(get: (field: string) => string | undefined): TraceContext | undefined {
  const traceparent = get('traceparent');
  if (traceparent === undefined || traceparent === '') return undefined;
  const tracestate = get('tracestate');
  return tracestate === undefined || tracestate === '' ? { traceparent } : { traceparent, tracestate };
}

/** The JSON-RPC error body for anything thrown while handling a request. */
export function errorBody(error: unknown): JsonRpcErrorBody {
  const body = error instanceof RemoteRpcError ? error.toJsonRpc() : toMCPError(error).toJsonRpc();
  // An upstream error may quote the credentials the gateway sent it (header templates).
  return secretRedactor.size === 0 ? body : (secretRedactor.redactValue(body) as JsonRpcErrorBody);
}
