import type { ClientSession, ClientTransportKind, Identity, SessionScope } from './session.js';

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
  return a.kind === 'all' ? b.kind === 'all' : b.kind === 'server' && a.server === b.server;
}

/**
 * Every open client session, whatever transport carries it: the one place a session id is
 * looked up, sessions are counted and idle ones are expired. A session leaves the registry when
 * it closes, however that happens (DELETE, a dropped stream, expiry, shutdown).
 */
export class SessionRegistry implements Iterable<ClientSession> {
  private readonly byId = new Map<string, ClientSession>();

  add(session: ClientSession, onClose: () => void): void {
    this.byId.set(session.id, session);
    session.onClose(() => {
      this.byId.delete(session.id);
      onClose();
    });
  }

  /**
   * The session `id` names, if `caller` may use it. A session answers only in the scope it was
   * opened for and only to the identity that opened it: another client's token cannot ride on
   * a session id it has seen. Request-scoped (stateless-era) sessions are never found by id.
   */
  find(id: string, caller: SessionCaller): ClientSession | undefined {
    const session = this.byId.get(id);
    if (session === undefined || session.closed || session.requestScoped) return undefined;
    if (session.transport !== caller.transport) return undefined;
    if (caller.scope !== undefined && !sameScope(session.scope, caller.scope)) return undefined;
    if (caller.identity !== undefined && session.identity.name !== caller.identity.name) return undefined;
    return session;
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
