import { createParser } from 'eventsource-parser';
import { RpcErrorBodySchema } from '../rpc.js';
import type { RpcRequest, RpcResponse, RpcTransport } from '../rpc.js';

export interface HttpTransportOptions {
  /** The daemon's base URL (the page's own origin in the browser dashboard). */
  readonly baseUrl: string;
  /** An admin API token, when the gateway requires authentication. */
  readonly token?: () => string | undefined;
  readonly fetch?: typeof fetch;
  /** Wait before reopening the event stream after it drops. */
  readonly reconnectMs?: number;
}

/**
 * The browser dashboard's carrier: requests are `POST /api/v1/rpc`, events come from the
 * `/api/v1/events` SSE stream (read with fetch so the token can go in a header), reopened
 * when it drops.
 */
export class HttpRpcTransport implements RpcTransport {
  private readonly listeners = new Set<(message: unknown) => void>();
  private stream: AbortController | undefined;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: HttpTransportOptions) {
    this.fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  async send(request: RpcRequest): Promise<RpcResponse | undefined> {
    const res = await this.fetch(new URL('/api/v1/rpc', this.options.baseUrl), {
      method: 'POST',
      headers: this.headers({ 'content-type': 'application/json' }),
      body: JSON.stringify(request),
    });
    const body: unknown = await res.json().catch(() => undefined);
    if (res.ok) return body as RpcResponse;
    // Refused before dispatch (authentication, origin, size): the gateway's own error body.
    const refusal = RpcErrorBodySchema.safeParse(
      typeof body === 'object' && body !== null && 'error' in body ? body.error : undefined,
    );
    return {
      kind: 'rpc-response',
      id: request.id,
      ok: false,
      error: refusal.success ? refusal.data : { code: 'RPC_TRANSPORT', message: `HTTP ${res.status}` },
    };
  }

  onMessage(listener: (message: unknown) => void): () => void {
    this.listeners.add(listener);
    if (this.stream === undefined) this.openStream();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) {
        this.stream?.abort();
        this.stream = undefined;
      }
    };
  }

  /** Connection state of the event stream, for the UI's "reconnecting" banner. */
  onStreamState?: (open: boolean) => void;

  private headers(extra: Record<string, string>): Record<string, string> {
    const token = this.options.token?.();
    return token === undefined ? extra : { ...extra, authorization: `Bearer ${token}` };
  }

  private openStream(): void {
    const controller = new AbortController();
    this.stream = controller;
    const parser = createParser({
      onEvent: (message) => {
        if (message.event === 'snapshot') return;
        try {
          const event: unknown = JSON.parse(message.data);
          for (const listener of this.listeners) listener({ kind: 'rpc-event', event });
        } catch {
          // Not JSON: nothing the UI could use.
        }
      },
    });
    const read = async (): Promise<void> => {
      const res = await this.fetch(new URL('/api/v1/events', this.options.baseUrl), {
        headers: this.headers({ accept: 'text/event-stream' }),
        signal: controller.signal,
      });
      if (!res.ok || res.body === null) throw new Error(`event stream: HTTP ${res.status}`);
      this.onStreamState?.(true);
      const decoder = new TextDecoder();
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        parser.feed(decoder.decode(value, { stream: true }));
      }
    };
    read()
      .catch(() => undefined)
      .finally(() => {
        if (controller.signal.aborted) return;
        this.onStreamState?.(false);
        setTimeout(() => {
          if (this.stream === controller) this.openStream();
        }, this.options.reconnectMs ?? 1000);
      });
  }
}
