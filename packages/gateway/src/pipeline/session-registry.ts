import type { ClientSession, ClientTransportKind, Identity, SessionScope } from './session.js';
import { restoreSession, sharedRecord } from './shared-sessions.js';
import type { SharedSessions } from './shared-sessions.js';
import { MCPError, MCPErrorCode } from '@mcpman/protocol';
import type { Disposable } from '@mcpman/protocol';

/** What one client may hold open (gateway.sessionLimits). */
export interface SessionLimits {
  readonly total: number;
  readonly perIdentity: number;
  readonly subscriptionsPerSession: number;
}

/** Who is asking for a session by id: it answers only on its own transport, scope and identity. */
export interface SessionCaller {
  readonly transport: ClientTransportKind;
  /** The endpoint the request came to; omitted where the session itself says (legacy SSE posts). */
  readonly scope?: SessionScope;
  /** Undefined when authentication is off. */
  readonly identity?: Identity | undefined;
}

const TRANSPORTS: readonly ClientTransportKind[] = [
  'streamable-http',
  'sse',
  'websocket',
  'grpc',
  'stdio',
  'dashboard',
];

function sameScope(a: SessionScope, b: SessionScope): boolean {
  return a.kind === 'all'
    ? b.kind === 'all' && a.profile === b.profile
    : b.kind === 'server' && a.server === b.server;
}

/**
 * A session answers only on its transport, in the scope it was opened for and to the identity
 * that opened it: another client's token cannot ride on a session id it has seen.
 */
function mayUse(session: ClientSession, caller: SessionCaller): boolean {
  if (session.transport !== caller.transport) return false;
  if (caller.scope !== undefined && !sameScope(session.scope, caller.scope)) return false;
  return caller.identity === undefined || session.identity.name === caller.identity.name;
}

/**
 * Every open client session, whatever transport carries it: the one place a session id is
 * looked up, sessions are counted and idle ones are expired. A session leaves the registry when
 * it closes, however that happens (DELETE, a dropped stream, expiry, shutdown).
 */
export class SessionRegistry implements Iterable<ClientSession> {
  private readonly byId = new Map<string, ClientSession>();
  /** Open sessions (request-scoped ones aside) by identity name, for the per-identity cap. */
  private readonly byIdentity = new Map<string, number>();
  private counted = 0;
  /** When each shared session's record was last kept alive from here. */
  private readonly refreshed = new WeakMap<ClientSession, number>();

  /** Listening for sessions ended on other replicas, while a cluster is configured. */
  private readonly endedElsewhere: Disposable | undefined;

  /**
   * @param shared where a gateway cluster keeps session-era sessions (Redis), so a session
   *   opened on one replica is served by any; absent, sessions live in this process only.
   * @param refreshMs how often a session in use here keeps its shared record alive.
   */
  constructor(
    private readonly shared?: SharedSessions,
    private readonly refreshMs = 60_000,
    readonly limits?: SessionLimits,
  ) {
    this.endedElsewhere = shared?.onEnded((id) => {
      this.byId.get(id)?.close();
    });
  }

  /** Stop listening to the cluster (the gateway is closing). */
  dispose(): void {
    this.endedElsewhere?.dispose();
  }

  /**
   * Register a session; LIMIT_EXCEEDED when the gateway, or the session's identity, holds as many
   * as gateway.sessionLimits allows (a request-scoped 2026-07-28 session lives for one request
   * and is not counted).
   */
  add(session: ClientSession, onClose: () => void): void {
    const counted = !session.requestScoped;
    if (counted) this.admit(session.identity.name);
    this.byId.set(session.id, session);
    session.onClose(() => {
      this.byId.delete(session.id);
      if (counted) this.release(session.identity.name);
      onClose();
    });
  }

  private admit(identity: string): void {
    const held = this.byIdentity.get(identity) ?? 0;
    const limits = this.limits;
    if (limits !== undefined && (this.counted >= limits.total || held >= limits.perIdentity))
      throw new MCPError(
        MCPErrorCode.LimitExceeded,
        this.counted >= limits.total
          ? `the gateway holds ${this.counted} sessions, its limit`
          : `${identity} holds ${held} sessions, the limit for one identity`,
        {
          hint: 'Close sessions you no longer use (DELETE the session, or close the connection); gateway.sessionLimits sets the caps.',
        },
      );
    this.byIdentity.set(identity, held + 1);
    this.counted += 1;
  }

  private release(identity: string): void {
    const held = (this.byIdentity.get(identity) ?? 1) - 1;
    if (held <= 0) this.byIdentity.delete(identity);
    else this.byIdentity.set(identity, held);
    this.counted -= 1;
  }

  /**
   * The session `id` names, if `caller` may use it. A session answers only in the scope it was
   * opened for and only to the identity that opened it: another client's token cannot ride on
   * a session id it has seen. Request-scoped (stateless-era) sessions are never found by id.
   */
  find(id: string, caller: SessionCaller): ClientSession | undefined {
    const session = this.byId.get(id);
    if (session === undefined || session.closed || session.requestScoped) return undefined;
    if (!mayUse(session, caller)) return undefined;
    // Each request is authorized with its own credential's grants, not those of initialize.
    if (caller.identity !== undefined) session.reauthorize(caller.identity);
    return session;
  }

  /**
   * Like find, and in a cluster also a session another replica opened: restored from its shared
   * record and handed to `adopt` (the transport registers it) before it is returned. Throws
   * STATE_UNAVAILABLE when a session this replica does not know cannot be looked up.
   */
  async resolve(
    id: string,
    caller: SessionCaller,
    adopt: (session: ClientSession) => void,
  ): Promise<ClientSession | undefined> {
    const local = this.find(id, caller);
    if (local !== undefined || this.shared === undefined) {
      if (local !== undefined) this.keepAlive(local);
      return local;
    }
    if (this.byId.has(id)) return undefined;
    const record = await this.shared.load(id);
    if (record === undefined) return undefined;
    const session = restoreSession(record);
    if (!mayUse(session, caller)) return undefined;
    // Another request for the same session may have restored it while this one waited.
    const raced = this.find(id, caller);
    if (raced !== undefined) return raced;
    adopt(session);
    if (caller.identity !== undefined) session.reauthorize(caller.identity);
    this.refreshed.set(session, Date.now());
    return session;
  }

  /** Store what another replica needs to serve `session` (after initialize, and when it changes). */
  async share(session: ClientSession): Promise<void> {
    const record = sharedRecord(session);
    if (this.shared === undefined || record === undefined || session.closed) return;
    await this.shared.save(record);
    this.refreshed.set(session, Date.now());
  }

  /** The client ended `session` (DELETE): gone here and from the cluster. */
  async end(session: ClientSession): Promise<void> {
    session.close();
    if (this.shared !== undefined && sharedRecord(session) !== undefined)
      await this.shared.remove(session.id);
  }

  /** A session in use here keeps its shared record from expiring (at most once per refreshMs). */
  private keepAlive(session: ClientSession): void {
    if (this.shared === undefined || sharedRecord(session) === undefined) return;
    const last = this.refreshed.get(session) ?? 0;
    if (Date.now() - last < this.refreshMs) return;
    this.refreshed.set(session, Date.now());
    // Best effort: a missed refresh only shortens how long another replica could take over.
    this.shared.touch(session.id).catch(() => undefined);
  }

  /** Open sessions by transport (request-scoped ones are not sessions a client holds). */
  counts(): Record<ClientTransportKind, number> {
    const counts = Object.fromEntries(TRANSPORTS.map((kind) => [kind, 0])) as Record<
      ClientTransportKind,
      number
    >;
    for (const session of this.byId.values()) if (!session.requestScoped) counts[session.transport] += 1;
    return counts;
  }

  get size(): number {
    return this.byId.size;
  }

  /**
   * Close `transport`'s sessions idle for `idleMs` or longer. A session with a request still
   * running, or one `busy` says is in use (an open stream), is not idle however long ago its
   * last request came.
   */
  expireIdle(
    transport: ClientTransportKind,
    idleMs: number,
    busy: (session: ClientSession) => boolean,
  ): void {
    const cutoff = Date.now() - idleMs;
    for (const session of [...this.byId.values()]) {
      if (session.transport !== transport || session.requestScoped) continue;
      if (session.lastActivity < cutoff && session.inflight.size === 0 && !busy(session)) session.close();
    }
  }

  /** Close `transport`'s sessions (that transport is stopping), or every session. */
  closeAll(transport?: ClientTransportKind): void {
    for (const session of [...this.byId.values()])
      if (transport === undefined || session.transport === transport) session.close();
  }

  [Symbol.iterator](): Iterator<ClientSession> {
    return this.byId.values();
  }
}
