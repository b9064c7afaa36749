import type { DiscoveryConfig } from './discovery/tool-discovery.js';
import type { SessionLease } from '@mcpman/core';
import type { Disposable, McpPeer, ServerHandshake } from '@mcpman/protocol';
import type { ServerState } from '@mcpman/shared';
import type { ToolFilter } from './names.js';

/** One managed server as the gateway sees it. */
export interface ManagedServer {
  readonly name: string;
  readonly state: ServerState;
  /** The shared upstream session, when the server is ready. */
  readonly peer: McpPeer | undefined;
  readonly handshake: ServerHandshake | undefined;
  readonly tools: ToolFilter;
  readonly sessionMode: 'shared' | 'per-client';
  /** sessionMode per-client, when ready: an upstream session of one client's own. */
  readonly lease?: (() => Promise<SessionLease>) | undefined;
}

/** A named share of the servers (config `profiles:`): which servers, and which of their tools. */
export interface Profile {
  readonly description?: string | undefined;
  /** On-demand discovery on the profile's endpoint; off when absent. */
  readonly discovery?: DiscoveryConfig;
  readonly servers: Readonly<Record<string, { readonly tools: ToolFilter }>>;
}

/** The servers behind the gateway (the runtime's supervisors, in the daemon). */
export interface ServerDirectory {
  names(): string[];
  get(name: string): ManagedServer | undefined;
  /** The profiles the config defines now (none when omitted). */
  profiles?(): Readonly<Record<string, Profile>>;
  /** Called on every state change of a server. */
  onStateChange(listener: (server: string, state: ServerState) => void): Disposable;
}
