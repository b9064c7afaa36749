import { MCPErrorCode } from '../errors/codes.js';
import { MCPError } from '../errors/mcp-error.js';
import type { JsonObject } from './jsonrpc.js';
import { META, STATELESS_ERA_VERSION } from './mcp.js';
import type { Implementation } from './mcp.js';

/**
 * The 2026-07-28 envelope: the `_meta` every stateless-era request carries in place of a
 * session's handshake. Built here for what mcpman sends upstream and read and checked here for
 * what clients send on every transport, so the era's rules live in one file.
 */

/** `_meta` every 2026-07-28 request carries. */
export function statelessMeta(clientInfo: Implementation, capabilities: JsonObject = {}): JsonObject {
  return {
    [META.protocolVersion]: STATELESS_ERA_VERSION,
    [META.clientCapabilities]: capabilities,
    [META.clientInfo]: clientInfo,
  };
}

/** A message's `params._meta`, if it has one. */
export function metaOf(message: unknown): JsonObject | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const params = (message as { params?: unknown }).params;
  if (typeof params !== 'object' || params === null) return undefined;
  const meta = (params as { _meta?: unknown })._meta;
  return typeof meta === 'object' && meta !== null && !Array.isArray(meta) ? (meta as JsonObject) : undefined;
}

/** Whether a message names a protocol version in its envelope (so speaks the stateless era). */
export function carriesEnvelope(message: unknown): boolean {
  return typeof metaOf(message)?.[META.protocolVersion] === 'string';
}

/**
 * The version a client's envelope names, or the refusal when it is malformed (the version or, on
 * a request, the capabilities missing). Whether the version is one the era speaks is
 * `statelessVersionRefusal`'s to say, once the headers have been checked against it.
 */
export function readEnvelope(meta: JsonObject, isRequest: boolean): string | MCPError {
  const version = meta[META.protocolVersion];
  if (typeof version !== 'string') {
    return new MCPError(
      MCPErrorCode.ProtocolInvalidParams,
      `Invalid params: _meta["${META.protocolVersion}"] is required`,
    );
  }
  if (isRequest && typeof meta[META.clientCapabilities] !== 'object') {
    return new MCPError(
      MCPErrorCode.ProtocolInvalidParams,
      `Invalid params: _meta["${META.clientCapabilities}"] is required`,
    );
  }
  return version;
}

/** The refusal of a version the stateless era does not speak, or undefined for its own. */
export function statelessVersionRefusal(version: unknown, hint = ''): MCPError | undefined {
  if (version === STATELESS_ERA_VERSION) return undefined;
  const shown = typeof version === 'string' ? version : JSON.stringify(version);
  return new MCPError(
    MCPErrorCode.ProtocolUnsupportedVersion,
    `Unsupported protocol version: ${shown}${hint}`,
    {
      data: { supported: [STATELESS_ERA_VERSION], requested: version },
    },
  );
}
