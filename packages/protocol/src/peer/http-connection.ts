import { SSEClientTransport, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { JSONRPCMessage, Transport } from '@modelcontextprotocol/client';
import type { JsonRpcMessage } from '../mcp/jsonrpc.js';
import type { UpstreamConnection } from './connection.js';

export interface HttpConnectionOptions {
  readonly url: URL;
  readonly description: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Streamable HTTP (default), or the legacy HTTP+SSE transport of older url: servers. */
  readonly wire?: 'streamable-http' | 'sse';
}

const MAX_REDIRECTS = 5;

/**
 * `fetch` that follows redirects only within the origin asked. The headers mcpman sends a server
 * (an API key filled from a secret) must never reach another host: fetch itself drops only
 * `Authorization` when a redirect leaves the origin.
 */
export async function sameOriginFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  let target = new URL(input instanceof Request ? input.url : input);
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const response = await fetch(target, { ...init, redirect: 'manual' });
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || location === null) return response;
    await response.body?.cancel();
    const next = new URL(location, target);
    if (next.origin !== target.origin)
      throw new Error(
        `${target.origin} redirected to ${next.origin}; mcpman follows redirects only within a server's origin, so the headers it sends never reach another host`,
      );
    target = next;
  }
  throw new Error(`more than ${MAX_REDIRECTS} redirects from ${target.origin}`);
}

/**
 * HTTP to a server: a container's port (published on 127.0.0.1, or its address on an isolated
 * network) or a url: server's URL, through the MCP SDK's client transports, which handle
 * sessions, SSE responses and the GET stream (Streamable HTTP), or the event stream and its
 * POST endpoint (legacy SSE).
 */
export class HttpConnection implements UpstreamConnection {
  readonly kind = 'http' as const;
  readonly description: string;
  onmessage?: (message: JsonRpcMessage) => void;
  onclose?: (reason: Error | undefined) => void;
  onerror?: (error: Error) => void;
  private readonly transport: Transport;
  /** Set for Streamable HTTP: request cancellation and session termination are its own. */
  private readonly streamable: StreamableHTTPClientTransport | undefined;
  private closed = false;

  constructor(options: HttpConnectionOptions) {
    this.description = options.description;
    const requestInit = { headers: { ...options.headers } };
    const fetch = sameOriginFetch;
    this.streamable =
      options.wire === 'sse'
        ? undefined
        : new StreamableHTTPClientTransport(options.url, { requestInit, fetch });
    // Deprecated by the SDK in favour of Streamable HTTP, which servers that still speak only
    // HTTP+SSE cannot give us.
    // eslint-disable-next-line @typescript-eslint/no-deprecated
    this.transport = this.streamable ?? new SSEClientTransport(options.url, { requestInit, fetch });
    this.transport.onmessage = (message) => this.onmessage?.(message as JsonRpcMessage);
    this.transport.onerror = (error) => this.onerror?.(error);
    this.transport.onclose = () => {
      this.finish(undefined);
    };
  }

  start(): Promise<void> {
    return this.transport.start();
  }

  send(message: JsonRpcMessage, options?: { readonly signal?: AbortSignal }): Promise<void> {
    if (this.streamable === undefined) return this.transport.send(message as JSONRPCMessage);
    return this.streamable.send(
      message as JSONRPCMessage,
      options?.signal === undefined ? undefined : { requestSignal: options.signal },
    );
  }

  setProtocolVersion(version: string): void {
    this.transport.setProtocolVersion?.(version);
  }

  async close(): Promise<void> {
    try {
      await this.streamable?.terminateSession();
    } catch {
      // The server may be gone already; closing is best effort.
    }
    await this.transport.close();
    this.finish(undefined);
  }

  private finish(reason: Error | undefined): void {
    if (this.closed) return;
    this.closed = true;
    this.onclose?.(reason);
  }
}
