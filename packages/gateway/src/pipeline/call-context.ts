import type { Span } from '@opentelemetry/api';
import type { Cancellation, JsonObject, JsonRpcMessage, JsonRpcRequest } from '@mcpman/protocol';
import type { ClientSession } from './session.js';

/** A call in flight through this hub: whose it is and where its related messages go. */
export interface CallContext {
  readonly session: ClientSession;
  /** Messages related to the call (progress, server-to-client requests), before its response. */
  readonly emit: (message: JsonRpcMessage) => void;
  /** Set when the client cancels the call (or its session ends). */
  readonly cancellation?: Cancellation;
  /**
   * Answers the server's requests to the client made during this call, instead of forwarding
   * them (2026-07-28 clients cannot receive requests: the gateway bridges them, see ParkedCall).
   */
  readonly onServerRequest?: (request: JsonRpcRequest) => Promise<JsonObject>;
  /** The request's span, whose children trace the steps of the call. */
  readonly span?: Span;
  /** W3C trace context of the upstream call (`traceparent`), for 2026-07-28 servers' `_meta`. */
  readonly traceContext?: Readonly<Record<string, string>>;
}
