import type { Implementation, ProtocolVersion } from '@mcpman/shared/contract';

export { PROTOCOL_VERSIONS } from '@mcpman/shared/contract';
export type { ProtocolVersion } from '@mcpman/shared/contract';

/** The newest revision of each era, as this project speaks them. */
export const LATEST_SESSION_ERA_VERSION: ProtocolVersion = '2025-11-25';
export const STATELESS_ERA_VERSION: ProtocolVersion = '2026-07-28';
export const SESSION_ERA_VERSIONS: readonly ProtocolVersion[] = [
  '2025-11-25',
  '2025-06-18',
  '2025-03-26',
  '2024-11-05',
];

/** `_meta` keys of the 2026-07-28 revision. */
export const META = {
  protocolVersion: 'io.modelcontextprotocol/protocolVersion',
  clientCapabilities: 'io.modelcontextprotocol/clientCapabilities',
  clientInfo: 'io.modelcontextprotocol/clientInfo',
  serverInfo: 'io.modelcontextprotocol/serverInfo',
  logLevel: 'io.modelcontextprotocol/logLevel',
  subscriptionId: 'io.modelcontextprotocol/subscriptionId',
} as const;

/** The 2025 session era (initialize, one session) or the 2026-07-28 stateless era (an envelope per request). */
export type ProtocolEra = 'session' | 'stateless';

export function eraOf(version: string): ProtocolEra {
  return version >= STATELESS_ERA_VERSION ? 'stateless' : 'session';
}

export type { Implementation };

/** What the handshake learned about a server. */
export interface ServerHandshake {
  readonly era: ProtocolEra;
  readonly protocolVersion: string;
  readonly capabilities: Readonly<Record<string, unknown>>;
  readonly serverInfo: Implementation | undefined;
  readonly instructions: string | undefined;
}
