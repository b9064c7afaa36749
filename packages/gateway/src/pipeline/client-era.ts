import {
  ACCEPTED_SESSION_VERSIONS,
  ADDED_IN_STATELESS,
  CACHEABLE,
  LATEST_SESSION_ERA_VERSION,
  META,
  notInSessionEra,
  notInStatelessEra,
  objectOf,
  REMOVED_IN_STATELESS,
  STATELESS_ERA_VERSION,
} from '@mcpman/protocol';
import type { JsonObject, MCPError, ProtocolEra } from '@mcpman/protocol';
import type { ClientSession } from './session.js';

/**
 * The client-facing rules of each protocol era, in one place: the session era (2025 revisions:
 * `initialize`, then a session) and the stateless era (2026-07-28: every request carries its
 * own `_meta`). `Gateway` asks the session's era object and never branches on the era itself.
 */
export interface ClientEra {
  readonly name: ProtocolEra;
  /** A method this era's wire does not have: refused as unknown (404, -32601 on HTTP). */
  refusal(method: string): MCPError | undefined;
  /** A result as this era's clients expect it. */
  shape(method: string, result: JsonObject): JsonObject;
}

/** What an endpoint says it is in its handshake (initialize or server/discover). */
export interface Description {
  readonly capabilities: JsonObject;
  readonly serverInfo: JsonObject;
  readonly instructions: string | undefined;
}

export const SESSION_ERA: ClientEra = {
  name: 'session',
  refusal: (method) => (ADDED_IN_STATELESS.has(method) ? notInSessionEra(method) : undefined),
  // `resultType` (from a stateless-era server) is not part of these revisions.
  shape: (_method, result) => {
    if (!('resultType' in result)) return result;
    const { resultType: _type, ...rest } = result;
    return rest;
  },
};

export const STATELESS_ERA: ClientEra = {
  name: 'stateless',
  refusal: (method) => (REMOVED_IN_STATELESS.has(method) ? notInStatelessEra(method) : undefined),
  // Every result says its kind; lists can change at any time (subscriptions/listen says when)
  // and can depend on who asks: no caching unless the server said otherwise, private scope.
  shape: (method, result) => {
    const typed = 'resultType' in result ? result : { resultType: 'complete', ...result };
    if (!CACHEABLE.has(method)) return typed;
    return { ttlMs: 0, cacheScope: 'private', ...typed };
  },
};

export function clientEra(session: ClientSession): ClientEra {
  return session.era === 'stateless' ? STATELESS_ERA : SESSION_ERA;
}

/** The session era's handshake: the session takes the client's version, capabilities and info. */
export function initialize(
  session: ClientSession,
  params: JsonObject,
  describe: () => Description,
): JsonObject {
  const requested = params['protocolVersion'];
  const version =
    typeof requested === 'string' && ACCEPTED_SESSION_VERSIONS.has(requested)
      ? requested
      : LATEST_SESSION_ERA_VERSION;
  session.era = 'session';
  session.protocolVersion = version;
  session.clientCapabilities = objectOf(params['capabilities']);
  const info = objectOf(params['clientInfo']);
  if (typeof info['name'] === 'string' && typeof info['version'] === 'string') {
    session.clientInfo = { name: info['name'], version: info['version'] };
  }
  const { capabilities, serverInfo, instructions } = describe();
  return {
    protocolVersion: version,
    capabilities,
    serverInfo,
    ...(instructions === undefined ? {} : { instructions }),
  };
}

/** The stateless era's handshake: what the endpoint supports, nothing kept. */
export function discover(description: Description): JsonObject {
  const { capabilities, serverInfo, instructions } = description;
  return {
    resultType: 'complete',
    supportedVersions: [STATELESS_ERA_VERSION],
    capabilities,
    ...(instructions === undefined ? {} : { instructions }),
    _meta: { [META.serverInfo]: serverInfo },
  };
}
