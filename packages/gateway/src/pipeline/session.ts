import { randomUUID } from 'node:crypto';
import { META } from '@mcpman/protocol';
import type { Cancellation, JsonObject, JsonRpcId, JsonRpcMessage, ProtocolEra } from '@mcpman/protocol';
import type { Implementation } from '@mcpman/shared';

export type ClientTransportKind = 'streamable-http' | 'sse' | 'websocket' | 'grpc' | 'stdio' | 'dashboard';

/**
 * What a session talks to: every server merged (`/mcp`), a profile's share of them merged the
 * same way (`/profiles/<name>/mcp`), or one server (`/servers/<name>/mcp`).
 */
export type SessionScope =
  { readonly kind: 'all'; readonly profile?: string } | { readonly kind: 'server'; readonly server: string };

/** The scope of an endpoint: `/mcp` without a profile, else the profile's. */
export function mergedScope(profile: string | undefined): SessionScope {
  return profile === undefined ? { kind: 'all' } : { kind: 'all', profile };
}

export const LOG_LEVELS = [
  'debug',
  'info',
  'notice',
  'warning',
  'error',
  'critical',
  'alert',
  'emergency',
] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && (LOG_LEVELS as readonly string[]).includes(value);
}

/** Who is calling, once authentication is on; `anonymous` on loopback without auth. */
export interface Identity {
  readonly name: string;
  /** How it was established; the audit log records it. */
  readonly kind: 'anonymous' | 'token' | 'oauth' | 'certificate' | 'local';
  /** Servers the identity may use; undefined means all. */
  readonly servers?: readonly string[];
  /** Tools (`server__tool`) the identity may call; undefined means all its servers' tools. */
  readonly tools?: readonly string[];
  /** Profiles whose endpoints alone it may use; undefined means any endpoint. */
  readonly profiles?: readonly string[];
  readonly admin: boolean;
}

export const ANONYMOUS: Identity = { name: 'anonymous', kind: 'anonymous', admin: true };

/**
 * One client session, whatever transport carries it. Session-era sessions live from `initialize`
 * to DELETE (or idle expiry); a 2026-07-28 request without a session gets a throwaway one.
 */
export class ClientSession {
  readonly id: string;
  readonly createdAt = Date.now();
  lastActivity = Date.now();
  era: ProtocolEra = 'session';
  protocolVersion: string | undefined;
  clientInfo: Implementation | undefined;
  clientCapabilities: JsonObject = {};
  /** Minimum level of `notifications/message` this client wants; undefined: none asked for. */
  logLevel: LogLevel | undefined;
  initialized = false;
  closed = false;
  /** A 2026-07-28 request's throwaway session: it lives as long as that request, has no id to reuse. */
  requestScoped = false;
  /** Resource URIs (as this client sees them) the client subscribed to. */
  readonly subscriptions = new Set<string>();
  /** Client request id → abort controller of the in-flight call (for notifications/cancelled). */
  readonly inflight = new Map<JsonRpcId, Cancellation>();
  /** Session-level outbound channel (GET stream, SSE stream, WebSocket, gRPC stream). */
  private sink: ((message: JsonRpcMessage) => void) | undefined;
  /** Messages for a session-level channel that is not open yet (a GET stream not opened). */
  private readonly backlog: JsonRpcMessage[] = [];
  private readonly closeListeners: (() => void)[] = [];

  private current: Identity;

  constructor(
    readonly transport: ClientTransportKind,
    readonly scope: SessionScope,
    identity: Identity = ANONYMOUS,
    id?: string,
  ) {
    this.id = id ?? randomUUID();
    this.current = identity;
  }

  /** Who the session's requests run as: the grants of the latest credential it was used with. */
  get identity(): Identity {
    return this.current;
  }

  /**
   * A request of this session came with `identity` (the same name: the registry checked): its
   * grants, not the ones the session started with, decide from now on. A token re-created with
   * fewer rights, or an OAuth token with fewer scopes, narrows an open session at once.
   */
  reauthorize(identity: Identity): void {
    if (identity.name === this.current.name) this.current = identity;
  }

  /** Attach the session-level channel; queued messages are flushed into it. */
  attach(sink: ((message: JsonRpcMessage) => void) | undefined): void {
    this.sink = sink;
    if (sink !== undefined) for (const message of this.backlog.splice(0)) sink(message);
  }

  get hasChannel(): boolean {
    return this.sink !== undefined;
  }

  /** Send a message not tied to a request (list_changed, resource updates, logs). */
  push(message: JsonRpcMessage): void {
    if (this.closed) return;
    if (this.sink !== undefined) this.sink(message);
    else if (this.backlog.length < 1000) this.backlog.push(message);
  }

  onClose(listener: () => void): void {
    if (this.closed) listener();
    else this.closeListeners.push(listener);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const cancellation of this.inflight.values()) cancellation.abort();
    this.inflight.clear();
    this.sink = undefined;
    for (const listener of this.closeListeners.splice(0)) listener();
  }

  touch(): void {
    this.lastActivity = Date.now();
  }
}

/**
 * A 2026-07-28 request has no session to hear about list changes (that is what
 * subscriptions/listen is for); the log messages its `_meta` log level asked for go with it.
 */
export function onlyLogMessages(emit: (message: JsonRpcMessage) => void): (message: JsonRpcMessage) => void {
  return (message) => {
    if ('method' in message && message.method === 'notifications/message') emit(message);
  };
}

/**
 * The request-scoped session of one 2026-07-28 request (there is no initialize): the version,
 * client capabilities and log level come from the request's `_meta`.
 */
export function statelessSession(
  transport: ClientTransportKind,
  scope: SessionScope,
  identity: Identity | undefined,
  version: string,
  meta: JsonObject,
): ClientSession {
  const session = new ClientSession(transport, scope, identity);
  session.era = 'stateless';
  session.requestScoped = true;
  session.protocolVersion = version;
  session.initialized = true;
  const capabilities = meta[META.clientCapabilities];
  if (typeof capabilities === 'object' && capabilities !== null)
    session.clientCapabilities = capabilities as JsonObject;
  const level = meta[META.logLevel];
  if (isLogLevel(level)) session.logLevel = level;
  return session;
}
