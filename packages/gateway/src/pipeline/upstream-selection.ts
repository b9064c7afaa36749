import { MCPError, MCPErrorCode } from '@mcpman/protocol';
import type { Disposable, JsonObject, JsonRpcNotification } from '@mcpman/protocol';
import type { ServerDirectory } from './directory.js';
import { prefixUri } from './names.js';
import type { ClientSession } from './session.js';
import { SessionUpstreams } from './session-upstreams.js';
import { UpstreamHub } from './upstream-hub.js';
import type { CallContext } from './call-context.js';

export interface UpstreamSelectionDeps {
  readonly directory: ServerDirectory;
  /** The gateway's open client sessions. */
  readonly sessions: () => Iterable<ClientSession>;
  /** Servers a session may see (its scope and grant). */
  readonly serversOf: (session: ClientSession) => string[];
  readonly onServerMessage?: ((server: string, params: JsonObject) => void) | undefined;
  /** Resource subscriptions one session may hold (gateway.sessionLimits). */
  readonly maxSubscriptions?: number | undefined;
}

/**
 * Which upstream a call goes to: the server's shared hub, or for `sessionMode: per-client`
 * servers the client session's own (leased on first use, released when the session ends).
 * Also where servers' session-level notifications come back to clients.
 */
export class UpstreamSelection implements Disposable {
  private readonly hubs = new Map<string, UpstreamHub>();
  /** Client sessions' own upstreams, for servers with sessionMode per-client. */
  private readonly owned = new Map<ClientSession, SessionUpstreams>();
  private readonly subscription: Disposable;

  constructor(private readonly deps: UpstreamSelectionDeps) {
    this.subscription = deps.directory.onStateChange((server) => {
      this.hub(server);
    });
  }

  /** The hub of a server, bound to its current upstream session. */
  hub(server: string): UpstreamHub {
    let hub = this.hubs.get(server);
    if (hub === undefined) {
      hub = new UpstreamHub(server, {
        listChanged: (name, kind) => {
          this.broadcastListChanged(name, kind);
        },
        sessionsFor: (name) => [...this.deps.sessions()].filter((s) => this.deps.serversOf(s).includes(name)),
        serverMessage: (name, params) => {
          this.deps.onServerMessage?.(name, params);
        },
      });
      hub.deliver = (session, notification) => {
        this.deliverFromServer(server, session, notification);
      };
      this.hubs.set(server, hub);
    }
    const managed = this.deps.directory.get(server);
    if (managed !== undefined) hub.bind(managed);
    return hub;
  }

  /** Where a session's call to `server` goes: its own upstream (per-client), else the hub. */
  async upstream(session: ClientSession, server: string): Promise<UpstreamHub> {
    const managed = this.deps.directory.get(server);
    const lease = managed?.lease;
    if (managed?.sessionMode !== 'per-client' || lease === undefined || session.closed)
      return this.hub(server);
    let owned = this.owned.get(session);
    if (owned === undefined) {
      owned = new SessionUpstreams(session, (name, notification) => {
        this.deliverFromServer(name, session, notification);
      });
      this.owned.set(session, owned);
    }
    return owned.hub(managed, lease);
  }

  /** A session's subscription to a resource, by the URI it sees; once per URI. */
  async subscribe(
    session: ClientSession,
    visible: string,
    target: { server: string; uri: string },
    call: CallContext,
    timeoutMs: number,
  ): Promise<void> {
    if (session.subscriptions.has(visible)) return;
    const cap = this.deps.maxSubscriptions;
    if (cap !== undefined && session.subscriptions.size >= cap)
      throw new MCPError(MCPErrorCode.LimitExceeded, `this session holds ${cap} subscriptions, its limit`, {
        hint: 'Unsubscribe from resources no longer followed; gateway.sessionLimits.subscriptionsPerSession sets the cap.',
      });
    await (await this.upstream(session, target.server)).subscribe(target.uri, call, timeoutMs);
    session.subscriptions.add(visible);
  }

  async unsubscribe(
    session: ClientSession,
    visible: string,
    target: { server: string; uri: string },
    call: CallContext,
    timeoutMs: number,
  ): Promise<void> {
    if (session.subscriptions.delete(visible))
      await (await this.upstream(session, target.server)).unsubscribe(target.uri, call, timeoutMs);
  }

  /** Every hub the session's calls may be on: the shared ones it sees (made if `bind`) and its own. */
  hubsOf(session: ClientSession, bind = false): UpstreamHub[] {
    const shared = this.deps.serversOf(session).flatMap((server) => {
      const hub = bind ? this.hub(server) : this.hubs.get(server);
      return hub === undefined ? [] : [hub];
    });
    return [...shared, ...(this.owned.get(session)?.hubs() ?? [])];
  }

  /** A session ended: its own upstreams are released, the shared hubs forget it. */
  forget(
    session: ClientSession,
    upstreamUri: (uri: string) => { server: string; uri: string } | undefined,
  ): void {
    const owned = this.owned.get(session);
    this.owned.delete(session);
    void owned?.release();
    for (const hub of this.hubs.values()) {
      hub.forget(session, (uri) => {
        const target = upstreamUri(uri);
        return target?.server === hub.name ? target.uri : undefined;
      });
    }
  }

  dispose(): void {
    this.subscription.dispose();
  }

  private broadcastListChanged(server: string, kind: 'tools' | 'prompts' | 'resources'): void {
    const message: JsonRpcNotification = { jsonrpc: '2.0', method: `notifications/${kind}/list_changed` };
    for (const session of this.deps.sessions()) {
      if (session.initialized && this.deps.serversOf(session).includes(server)) session.push(message);
    }
  }

  /** Session-level notifications from a server, rewritten for what the session sees. */
  private deliverFromServer(server: string, session: ClientSession, notification: JsonRpcNotification): void {
    if (notification.method === 'notifications/resources/updated') {
      const raw = notification.params?.['uri'];
      const uri = typeof raw === 'string' ? raw : '';
      const visible = session.scope.kind === 'all' ? prefixUri(server, uri) : uri;
      if (!session.subscriptions.has(visible)) return;
      session.push({ ...notification, params: { ...notification.params, uri: visible } });
      return;
    }
    session.push(notification);
  }
}
