import type { ProtocolVersion } from '../mcp/mcp.js';
import { MCPErrorCode } from '../errors/codes.js';
import { MCPError, isMCPError } from '../errors/mcp-error.js';
import { LATEST_SESSION_ERA_VERSION, META, STATELESS_ERA_VERSION, eraOf } from '../mcp/mcp.js';
import type { Implementation, ServerHandshake } from '../mcp/mcp.js';
import { objectOf } from '../mcp/jsonrpc.js';
import type { JsonObject } from '../mcp/jsonrpc.js';
import { statelessMeta } from '../mcp/envelope.js';
import type { McpPeer } from './peer.js';

export interface HandshakeOptions {
  readonly protocolVersion: 'auto' | ProtocolVersion;
  readonly clientInfo: Implementation;
  readonly capabilities?: JsonObject;
  /** The whole handshake must finish within this. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

function implementation(value: unknown): Implementation | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  return typeof record['name'] === 'string' && typeof record['version'] === 'string'
    ? {
        name: record['name'],
        version: record['version'],
        ...(typeof record['title'] === 'string' ? { title: record['title'] } : {}),
      }
    : undefined;
}

async function discover(
  peer: McpPeer,
  options: HandshakeOptions,
  timeoutMs: number,
): Promise<ServerHandshake> {
  const result = await peer.request(
    'server/discover',
    { _meta: statelessMeta(options.clientInfo, options.capabilities) },
    { timeoutMs, signal: options.signal },
  );
  const versions = result['supportedVersions'];
  if (!Array.isArray(versions) || !versions.includes(STATELESS_ERA_VERSION)) {
    throw new MCPError(
      MCPErrorCode.UpstreamProtocol,
      `${peer.name} answered server/discover without ${STATELESS_ERA_VERSION} support`,
    );
  }
  // From now on every request carries the envelope this era requires.
  peer.envelope = statelessMeta(options.clientInfo, options.capabilities);
  return {
    era: 'stateless',
    protocolVersion: STATELESS_ERA_VERSION,
    capabilities: objectOf(result['capabilities']),
    serverInfo: implementation(objectOf(result['_meta'])[META.serverInfo]),
    instructions: typeof result['instructions'] === 'string' ? result['instructions'] : undefined,
  };
}

async function initialize(
  peer: McpPeer,
  options: HandshakeOptions,
  version: string,
  timeoutMs: number,
): Promise<ServerHandshake> {
  const result = await peer.request(
    'initialize',
    { protocolVersion: version, capabilities: options.capabilities ?? {}, clientInfo: options.clientInfo },
    { timeoutMs, signal: options.signal },
  );
  const negotiated = result['protocolVersion'];
  if (typeof negotiated !== 'string') {
    throw new MCPError(
      MCPErrorCode.UpstreamProtocol,
      `${peer.name} answered initialize without a protocolVersion`,
    );
  }
  await peer.notify('notifications/initialized');
  peer.connection.setProtocolVersion?.(negotiated);
  return {
    era: 'session',
    protocolVersion: negotiated,
    capabilities: objectOf(result['capabilities']),
    serverInfo: implementation(result['serverInfo']),
    instructions: typeof result['instructions'] === 'string' ? result['instructions'] : undefined,
  };
}

/**
 * The MCP handshake. `auto` tries the 2026-07-28 `server/discover` first and falls back to the
 * session-era `initialize` on any error or silence (not keyed to one error code, as the spec asks);
 * a pinned revision uses its era's handshake only.
 */
export async function performHandshake(peer: McpPeer, options: HandshakeOptions): Promise<ServerHandshake> {
  const deadline = Date.now() + options.timeoutMs;
  const remaining = (): number => Math.max(1, deadline - Date.now());
  try {
    if (options.protocolVersion !== 'auto') {
      return eraOf(options.protocolVersion) === 'stateless'
        ? await discover(peer, options, remaining())
        : await initialize(peer, options, options.protocolVersion, remaining());
    }
    try {
      return await discover(peer, options, Math.min(3_000, Math.floor(options.timeoutMs / 3)));
    } catch (error) {
      if (peer.closed || (isMCPError(error) && error.code === MCPErrorCode.Cancelled)) throw error;
      return await initialize(peer, options, LATEST_SESSION_ERA_VERSION, remaining());
    }
  } catch (error) {
    if (isMCPError(error) && error.code === MCPErrorCode.UpstreamTimeout) {
      throw new MCPError(
        MCPErrorCode.HealthStartupTimeout,
        `${peer.name} did not complete the MCP handshake within ${options.timeoutMs} ms`,
        {
          cause: error,
          hint: 'Check that the server speaks MCP on this transport (see its log), or raise health.startupTimeout.',
        },
      );
    }
    throw error;
  }
}

/** One liveness probe: `ping` for session-era sessions, `server/discover` for 2026-era servers. */
export async function probe(
  peer: McpPeer,
  handshake: ServerHandshake,
  clientInfo: Implementation,
  timeoutMs: number,
): Promise<number> {
  const started = performance.now();
  if (handshake.era === 'stateless') {
    await peer.request('server/discover', { _meta: statelessMeta(clientInfo) }, { timeoutMs });
  } else {
    await peer.request('ping', undefined, { timeoutMs });
  }
  return performance.now() - started;
}
