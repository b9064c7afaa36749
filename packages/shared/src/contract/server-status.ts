import type { MCPErrorCode } from './error-codes.js';

/** The life of a managed server, as the CLI, dashboard and metrics see it. */
export type ServerState =
  | 'pending'
  | 'pulling'
  | 'building'
  | 'starting'
  | 'ready'
  | 'unhealthy'
  | 'restarting'
  | 'stopped'
  | 'failed';

export const SERVER_STATES: readonly ServerState[] = [
  'pending',
  'pulling',
  'building',
  'starting',
  'ready',
  'unhealthy',
  'restarting',
  'stopped',
  'failed',
];

/** States a server passes through on its way to ready, unhealthy, failed or stopped. */
export const TRANSITIONAL_STATES: ReadonlySet<ServerState> = new Set<ServerState>([
  'pending',
  'pulling',
  'building',
  'starting',
  'restarting',
]);

/** A server's name and version as it told us in the handshake. */
export interface Implementation {
  readonly name: string;
  readonly version: string;
  readonly title?: string;
}

/**
 * One server as the management API, the dashboard and the CLI show it: made by the supervisor of
 * a running server or, without a manager, from what the engine shows.
 */
export interface ServerStatus {
  readonly name: string;
  readonly state: ServerState;
  readonly reason: string;
  readonly code: MCPErrorCode | undefined;
  readonly since: number;
  /** How the manager reaches it: a container's stdio or http port, or a url: server's wire. */
  readonly transport: 'stdio' | 'http' | 'streamable-http' | 'sse';
  readonly containerId: string | undefined;
  readonly image: string | undefined;
  readonly restarts: number;
  readonly protocolVersion: string | undefined;
  readonly serverInfo: Implementation | undefined;
  readonly lastProbe: { readonly ok: boolean; readonly latencyMs: number; readonly at: number } | undefined;
  readonly endpoint: string | undefined;
}

/** A profile as the management API and `mcpman ls` show it. */
export interface ProfileInfo {
  readonly name: string;
  readonly description?: string;
  /** The servers it includes that the gateway has. */
  readonly servers: readonly string[];
  /** The tools its endpoint lists now, from the servers that answered. */
  readonly tools: number;
  /** Servers it includes that could not list their tools (not ready, failed). */
  readonly unavailable: readonly string[];
}
