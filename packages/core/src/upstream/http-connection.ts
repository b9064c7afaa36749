import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { JSONRPCMessage } from '@modelcontextprotocol/client';
import type { JsonRpcMessage } from '../protocol/jsonrpc.js';
import type { UpstreamConnection } from './connection.js';

export interface HttpConnectionOptions {
  readonly url: URL;
  readonly description: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Streamable HTTP to a server's port (published on 127.0.0.1, or its address on an isolated
 * network), through the MCP SDK's client transport, which handles sessions, SSE responses and
 * the GET stream.
 */
export class HttpConnection implements UpstreamConnection {
  readonly kind = 'http' as const;
  readonly description: string;
  onmessage?: (message: JsonRpcMessage) => void;
  onclose?: (reason: Error | undefined) => void;
  onerror?: (error: Error) => void;
  private readonly transport: StreamableHTTPClientTransport;
  private closed = false;

  constructor(options: HttpConnectionOptions) {
    this.description = options.description;
    this.transport = new StreamableHTTPClientTransport(options.url, {
      requestInit: { headers: { ...options.headers } },
    });
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
    return this.transport.send(
      message as JSONRPCMessage,
      options?.signal === undefined ? undefined : { requestSignal: options.signal },
    );
  }

  setProtocolVersion(version: string): void {
    this.transport.setProtocolVersion(version);
  }

  async close(): Promise<void> {
    try {
      await this.transport.terminateSession();
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
