import { MCPErrorCode } from '../errors/codes.js';
import { MCPError, isMCPError } from '../errors/mcp-error.js';
import type { ServerHandshake } from '../mcp/mcp.js';
import type { UpstreamConnection } from './connection.js';
import { performHandshake } from './handshake.js';
import type { HandshakeOptions } from './handshake.js';
import { HttpConnection } from './http-connection.js';
import { McpPeer } from './peer.js';

/** How often a refused http handshake is tried again while the server starts listening. */
const REFUSED_RETRY_MS = 250;

/**
 * An http server's MCP endpoint with its headers already filled in (`${secret:…}` resolved):
 * the one value every upstream session of that server is opened from, so no session can go
 * without them.
 */
export interface HttpEndpoint {
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  /** Streamable HTTP unless a url: server says it speaks legacy SSE. */
  readonly wire?: 'streamable-http' | 'sse';
}

/** What an upstream session is opened on: an attached stdio stream, or an http endpoint. */
export type UpstreamTarget =
  | { readonly kind: 'stdio'; readonly connection: UpstreamConnection }
  | { readonly kind: 'http'; readonly endpoint: HttpEndpoint };

export interface UpstreamSession {
  readonly peer: McpPeer;
  readonly handshake: ServerHandshake;
}

export interface OpenUpstreamOptions {
  /** Who the session is with, as errors and logs name it: `server x`, `server x session id`. */
  readonly name: string;
  readonly handshake: Omit<HandshakeOptions, 'timeoutMs'>;
  /** The handshake, retries included, must finish within this (the server's startupTimeout). */
  readonly startupTimeoutMs: number;
  /** Makes the peer for a connection (the supervisor wires its close handling); default plain. */
  readonly newPeer?: (connection: UpstreamConnection) => McpPeer;
  /** False once the caller gave up (the server was stopped): no further retry. */
  readonly alive?: () => boolean;
}

/** A connection to the endpoint; every http connection of an upstream is made here. */
export function httpConnection(endpoint: HttpEndpoint, description: string): HttpConnection {
  return new HttpConnection({
    url: endpoint.url,
    description,
    headers: endpoint.headers,
    ...(endpoint.wire === undefined ? {} : { wire: endpoint.wire }),
  });
}

/**
 * Opens one MCP session upstream: connects, runs the handshake, and for http servers tries
 * again while the server refuses connections (it may still be binding its port), each time
 * with the endpoint's headers. The one way the supervisor and the session pool open sessions.
 */
export async function openUpstream(
  target: UpstreamTarget,
  options: OpenUpstreamOptions,
): Promise<UpstreamSession> {
  const limit = options.startupTimeoutMs;
  const deadline = Date.now() + limit;
  const connect = (): UpstreamConnection =>
    target.kind === 'stdio' ? target.connection : httpConnection(target.endpoint, `${options.name} (http)`);
  const newPeer = options.newPeer ?? ((connection) => new McpPeer(connection, options.name, limit));
  for (;;) {
    const peer = newPeer(connect());
    try {
      await peer.start();
      const handshake = await performHandshake(peer, {
        ...options.handshake,
        timeoutMs: Math.max(1, deadline - Date.now()),
      });
      return { peer, handshake };
    } catch (error) {
      await peer.close().catch(() => undefined);
      const refused = target.kind === 'http' && isRefused(error);
      const again = refused && Date.now() + REFUSED_RETRY_MS < deadline && (options.alive?.() ?? true);
      if (!again) throw startupError(options.name, limit, error, refused);
      await new Promise((resolve) => setTimeout(resolve, REFUSED_RETRY_MS));
    }
  }
}

function isRefused(error: unknown): boolean {
  return /fetch failed|ECONNREFUSED|ECONNRESET|socket hang up/i.test(describeError(error));
}

/** Says the configured limit, not what was left of it for the last try. */
function startupError(name: string, limit: number, error: unknown, refused: boolean): unknown {
  if (refused) {
    return new MCPError(
      MCPErrorCode.HealthStartupTimeout,
      `${name} did not accept connections within ${limit} ms`,
      { cause: error },
    );
  }
  if (isMCPError(error) && error.code === MCPErrorCode.HealthStartupTimeout) {
    return new MCPError(
      MCPErrorCode.HealthStartupTimeout,
      `${name} did not complete the MCP handshake within ${limit} ms`,
      { cause: error, hint: error.hint },
    );
  }
  return error;
}

export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}
