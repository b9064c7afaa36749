import { MCPErrorCode } from '../errors/codes.js';
import { MCPError } from '../errors/mcp-error.js';
import type { JsonRpcErrorObject } from '../errors/mcp-error.js';
import { classifyMessage, isFailure } from '../mcp/jsonrpc.js';
import type {
  JsonObject,
  JsonRpcErrorBody,
  JsonRpcId,
  JsonRpcMessage,
  JsonRpcNotification,
  JsonRpcRequest,
  JsonRpcResponse,
} from '../mcp/jsonrpc.js';
import type { UpstreamConnection } from './connection.js';
import type { Cancellation } from '../util/cancellation.js';

/** A JSON-RPC error the server answered with, kept verbatim so the gateway can pass it on. */
export class RemoteRpcError extends MCPError {
  readonly rpc: JsonRpcErrorBody;

  constructor(rpc: JsonRpcErrorBody, server: string) {
    super(MCPErrorCode.UpstreamProtocol, `${server}: ${rpc.message}`, { data: { upstreamCode: rpc.code } });
    this.name = 'RemoteRpcError';
    this.rpc = rpc;
  }

  override toJsonRpc(): JsonRpcErrorObject {
    const data = this.rpc.data;
    return {
      code: this.rpc.code,
      message: this.rpc.message,
      ...(data === undefined
        ? {}
        : {
            data:
              typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : { value: data },
          }),
    };
  }
}

export interface PeerRequestOptions {
  /** 0: no timeout (long-lived requests such as subscriptions/listen). */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** Like `signal`, without an EventTarget per request (the gateway's per-call path). */
  readonly cancellation?: Cancellation;
  /** Told the JSON-RPC id the request goes out with (2026-07-28 subscription ids are request ids). */
  readonly onId?: (id: JsonRpcId) => void;
}

interface Pending {
  readonly method: string;
  readonly resolve: (result: JsonObject) => void;
  readonly reject: (error: unknown) => void;
  readonly timer: NodeJS.Timeout | undefined;
  readonly cleanup: () => void;
}

/**
 * The manager's side of one MCP session: requests with ids, timeouts and cancellation; in-flight
 * requests fail with UPSTREAM_CLOSED the moment the connection goes, never hang.
 */
export class McpPeer {
  onNotification?: (notification: JsonRpcNotification) => void;
  /** Requests from the server (sampling, elicitation, roots, ping). */
  onRequest?: (request: JsonRpcRequest) => void;
  onClose?: (reason: Error | undefined) => void;
  /**
   * 2026-07-28 servers need the `_meta` envelope (protocol version, client capabilities and
   * info) on every request; set after a stateless-era handshake, merged under each request's own.
   */
  envelope: JsonObject | undefined;
  private readonly pending = new Map<JsonRpcId, Pending>();
  private nextId = 1;
  private closedReason: Error | undefined;
  private isClosed = false;

  constructor(
    readonly connection: UpstreamConnection,
    readonly name: string,
    private readonly defaultTimeoutMs = 60_000,
  ) {
    connection.onmessage = (message) => {
      this.dispatch(message);
    };
    connection.onclose = (reason) => {
      this.handleClose(reason);
    };
  }

  get closed(): boolean {
    return this.isClosed;
  }

  get inFlight(): number {
    return this.pending.size;
  }

  start(): Promise<void> {
    return this.connection.start();
  }

  request(method: string, params?: JsonObject, options: PeerRequestOptions = {}): Promise<JsonObject> {
    if (this.isClosed) {
      return Promise.reject(
        new MCPError(MCPErrorCode.UpstreamClosed, `${this.name} is not connected`, {
          cause: this.closedReason,
        }),
      );
    }
    if (options.cancellation?.aborted === true || options.signal?.aborted === true) {
      return Promise.reject(new MCPError(MCPErrorCode.Cancelled, `${method} to ${this.name} was cancelled`));
    }
    const id = this.nextId++;
    options.onId?.(id);
    return new Promise<JsonObject>((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
      const onAbort = (): void => {
        this.settle(id)?.reject(
          new MCPError(MCPErrorCode.Cancelled, `${method} to ${this.name} was cancelled`),
        );
        void this.notify('notifications/cancelled', {
          requestId: id,
          reason: 'cancelled by the client',
        }).catch(() => undefined);
      };
      const timer =
        timeoutMs > 0
          ? setTimeout(() => {
              this.settle(id)?.reject(
                new MCPError(
                  MCPErrorCode.UpstreamTimeout,
                  `${this.name} did not answer ${method} within ${timeoutMs} ms`,
                ),
              );
              void this.notify('notifications/cancelled', { requestId: id, reason: 'timed out' }).catch(
                () => undefined,
              );
            }, timeoutMs)
          : undefined;
      options.signal?.addEventListener('abort', onAbort, { once: true });
      // Not cancelled yet (checked above), so the listener cannot run before the request is pending.
      const unfollow = options.cancellation?.onAbort(onAbort);
      this.pending.set(id, {
        method,
        resolve,
        reject,
        timer,
        cleanup: () => {
          options.signal?.removeEventListener('abort', onAbort);
          unfollow?.();
        },
      });
      const withEnvelope = this.envelope === undefined ? params : withMeta(params, this.envelope);
      const message: JsonRpcRequest =
        withEnvelope === undefined
          ? { jsonrpc: '2.0', id, method }
          : { jsonrpc: '2.0', id, method, params: withEnvelope };
      // Only HTTP carries a cancellation in how it sends (its POST ends); ask for a signal then.
      const signal =
        options.signal ?? (this.connection.kind === 'http' ? options.cancellation?.signal : undefined);
      const sent =
        signal === undefined ? this.connection.send(message) : this.connection.send(message, { signal });
      sent.catch((error: unknown) => {
        this.settle(id)?.reject(
          new MCPError(MCPErrorCode.UpstreamClosed, `sending ${method} to ${this.name} failed`, {
            cause: error,
          }),
        );
      });
    });
  }

  notify(method: string, params?: JsonObject): Promise<void> {
    if (this.isClosed) return Promise.resolve();
    const message: JsonRpcNotification =
      params === undefined ? { jsonrpc: '2.0', method } : { jsonrpc: '2.0', method, params };
    return this.connection.send(message);
  }

  /** Answer a request the server made. */
  respond(response: JsonRpcResponse): Promise<void> {
    return this.connection.send(response);
  }

  async close(): Promise<void> {
    await this.connection.close();
    this.handleClose(undefined);
  }

  private settle(id: JsonRpcId): Pending | undefined {
    const pending = this.pending.get(id);
    if (pending === undefined) return undefined;
    this.pending.delete(id);
    if (pending.timer !== undefined) clearTimeout(pending.timer);
    pending.cleanup();
    return pending;
  }

  private dispatch(raw: JsonRpcMessage): void {
    const classified = classifyMessage(raw);
    switch (classified.kind) {
      case 'response': {
        const { message } = classified;
        if (message.id === null) return;
        const pending = this.settle(message.id);
        if (pending === undefined) return;
        if (isFailure(message)) pending.reject(new RemoteRpcError(message.error, this.name));
        else pending.resolve(message.result);
        return;
      }
      case 'notification':
        this.onNotification?.(classified.message);
        return;
      case 'request':
        if (this.onRequest === undefined) {
          void this.respond({
            jsonrpc: '2.0',
            id: classified.message.id,
            error: { code: -32601, message: `${classified.message.method} is not supported by this client` },
          }).catch(() => undefined);
        } else this.onRequest(classified.message);
        return;
      case 'invalid':
        this.connection.onerror?.(
          new MCPError(
            MCPErrorCode.UpstreamProtocol,
            `${this.name} sent an invalid message: ${classified.reason}`,
          ),
        );
    }
  }

  private handleClose(reason: Error | undefined): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.closedReason = reason;
    for (const id of [...this.pending.keys()]) {
      const pending = this.settle(id);
      pending?.reject(
        new MCPError(
          MCPErrorCode.UpstreamClosed,
          `${this.name} went away while ${pending.method} was in flight`,
          {
            cause: reason,
            hint: 'The server is being restarted; retry shortly.',
          },
        ),
      );
    }
    this.onClose?.(reason);
  }
}

/** `params` with `base` under its own `_meta` (the request's keys win). */
function withMeta(params: JsonObject | undefined, base: JsonObject): JsonObject {
  const own = params?.['_meta'];
  return {
    ...params,
    _meta: { ...base, ...(typeof own === 'object' && own !== null ? own : {}) },
  };
}
