import { MCPError, MCPErrorCode, isMCPError, toMCPError } from '@mcpman/core';
import type {
  JsonObject,
  JsonRpcId,
  JsonRpcMessage,
  JsonRpcNotification,
  JsonRpcRequest,
  McpPeer,
} from '@mcpman/core';
import type { ManagedServer } from './directory.js';
import { LOG_LEVELS } from './session.js';
import type { ClientSession, LogLevel } from './session.js';

/** A call in flight through this hub: whose it is and where its related messages go. */
export interface CallContext {
  readonly session: ClientSession;
  /** Messages related to the call (progress, server-to-client requests), before its response. */
  readonly emit: (message: JsonRpcMessage) => void;
  readonly signal?: AbortSignal;
  /**
   * Answers the server's requests to the client made during this call, instead of forwarding
   * them (2026-07-28 clients cannot receive requests: the gateway bridges them, see ParkedCall).
   */
  readonly onServerRequest?: (request: JsonRpcRequest) => Promise<JsonObject>;
}

interface ActiveCall extends CallContext {
  readonly startedAt: number;
}

interface ProgressRoute {
  readonly clientToken: string | number;
  readonly call: CallContext;
}

/** A server-to-client request waiting for the client's answer. */
interface PendingServerRequest {
  readonly upstreamId: JsonRpcId;
  readonly peer: McpPeer;
  readonly session: ClientSession;
}

interface CachedList {
  readonly items: readonly JsonObject[];
  readonly expires: number;
}

export interface HubEvents {
  /** The server changed a list (or came and went): sessions that see it should hear. */
  listChanged(server: string, kind: 'tools' | 'prompts' | 'resources'): void;
  /** Sessions that may receive this server's session-level messages. */
  sessionsFor(server: string): Iterable<ClientSession>;
}

const LIST_KEYS: Readonly<Record<string, string>> = {
  'tools/list': 'tools',
  'prompts/list': 'prompts',
  'resources/list': 'resources',
  'resources/templates/list': 'resourceTemplates',
};

/** Server-to-client requests and the client capability each needs. */
const SERVER_REQUEST_CAPABILITY: Readonly<Record<string, string>> = {
  'sampling/createMessage': 'sampling',
  'elicitation/create': 'elicitation',
  'roots/list': 'roots',
};

const MAX_LIST_PAGES = 100;

/**
 * What the manager declares to servers on their shared session: the gateway can route these
 * server-to-client requests back to a client that supports them (and answers the server with
 * an error when none is connected).
 */
export const GATEWAY_CLIENT_CAPABILITIES = {
  sampling: {},
  elicitation: { form: {}, url: {} },
  roots: { listChanged: true },
} as const;

/**
 * Many client sessions over one upstream session of one server. Ids are the peer's own (every
 * call gets a fresh upstream id); progress tokens are replaced by unique gateway tokens and
 * routed back; server-to-client requests go to the client whose call caused them; list results
 * are cached until the server says they changed, restarts, or their `ttlMs` runs out; resource
 * subscriptions are counted across clients so the server sees one subscribe and one unsubscribe.
 */
export class UpstreamHub {
  private peer: McpPeer | undefined;
  private readonly active = new Set<ActiveCall>();
  private readonly progress = new Map<string, ProgressRoute>();
  private readonly serverRequests = new Map<string, PendingServerRequest>();
  private readonly lists = new Map<string, CachedList>();
  private readonly subscriptionCounts = new Map<string, number>();
  private upstreamLogLevel: LogLevel | undefined;
  private nextToken = 1;

  constructor(
    readonly name: string,
    private readonly events: HubEvents,
    /** Tell sessions the lists changed when the hub gets (or loses) a peer; not for a session's own hub. */
    private readonly announceBinds = true,
  ) {}

  /** Follow the server's current session; a new session (restart) drops what the old one knew. */
  bind(server: ManagedServer): McpPeer | undefined {
    const peer = server.state === 'ready' || server.state === 'unhealthy' ? server.peer : undefined;
    if (peer === this.peer) {
      // One hub owns a peer's handlers; take them back if anything else set them since.
      if (peer !== undefined && peer.onNotification !== this.notificationHandler) this.attachHandlers(peer);
      return peer;
    }
    const hadPeer = this.peer !== undefined;
    this.peer = peer;
    this.lists.clear();
    this.upstreamLogLevel = undefined;
    this.serverRequests.clear();
    if (peer !== undefined) {
      this.attachHandlers(peer);
      // A new upstream session knows nothing of earlier subscriptions.
      for (const uri of this.subscriptionCounts.keys()) {
        void peer.request('resources/subscribe', { uri }).catch(() => undefined);
      }
      void this.syncLogLevel();
    }
    if (this.announceBinds && (hadPeer || peer !== undefined)) {
      for (const kind of ['tools', 'prompts', 'resources'] as const) this.events.listChanged(this.name, kind);
    }
    return peer;
  }

  private readonly notificationHandler = (notification: JsonRpcNotification): void => {
    this.onNotification(notification);
  };

  private attachHandlers(peer: McpPeer): void {
    peer.onNotification = this.notificationHandler;
    peer.onRequest = (request) => {
      this.onServerRequest(peer, request);
    };
  }

  get connected(): boolean {
    return this.peer !== undefined && !this.peer.closed;
  }

  private requirePeer(): McpPeer {
    const peer = this.peer;
    if (peer === undefined || peer.closed) {
      throw new MCPError(MCPErrorCode.ServerNotReady, `server ${this.name} is not ready`, {
        hint: 'It may be starting or restarting; `mcpman status` shows why. Retry shortly.',
        data: { server: this.name },
      });
    }
    return peer;
  }

  /** Forward one request for `call`'s client; the result as the server gave it. */
  async request(
    method: string,
    params: JsonObject | undefined,
    call: CallContext,
    timeoutMs: number,
  ): Promise<JsonObject> {
    const peer = this.requirePeer();
    const active: ActiveCall = { ...call, startedAt: Date.now() };
    this.active.add(active);
    let token: string | undefined;
    let outgoing = params;
    const meta = params?.['_meta'];
    const clientToken =
      typeof meta === 'object' && meta !== null
        ? (meta as Record<string, unknown>)['progressToken']
        : undefined;
    if (typeof clientToken === 'string' || typeof clientToken === 'number') {
      // Client tokens are only unique per client; upstream, tokens of all clients meet.
      token = `mcpman-${this.nextToken++}`;
      this.progress.set(token, { clientToken, call });
      outgoing = { ...params, _meta: { ...(meta as JsonObject), progressToken: token } };
    }
    try {
      return await peer.request(method, outgoing, { signal: call.signal, timeoutMs });
    } finally {
      this.active.delete(active);
      if (token !== undefined) this.progress.delete(token);
    }
  }

  /** Every item of a list method, following the server's own cursors; cached. */
  async list(method: string, call: CallContext, timeoutMs: number): Promise<readonly JsonObject[]> {
    const cached = this.lists.get(method);
    if (cached !== undefined && cached.expires > Date.now()) return cached.items;
    const key = LIST_KEYS[method];
    if (key === undefined) throw new MCPError(MCPErrorCode.Internal, `${method} is not a list method`);
    const items: JsonObject[] = [];
    let cursor: string | undefined;
    let ttlMs: number | undefined;
    for (let page = 0; page < MAX_LIST_PAGES; page += 1) {
      const result = await this.request(
        method,
        cursor === undefined ? undefined : { cursor },
        call,
        timeoutMs,
      );
      const batch = result[key];
      if (Array.isArray(batch)) items.push(...(batch as JsonObject[]));
      if (typeof result['ttlMs'] === 'number') ttlMs = result['ttlMs'];
      cursor = typeof result['nextCursor'] === 'string' ? result['nextCursor'] : undefined;
      if (cursor === undefined) break;
    }
    // A server that gives ttlMs 0 wants no caching; without ttlMs, until list_changed or restart.
    const expires = ttlMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + ttlMs;
    if (this.peer !== undefined && ttlMs !== 0) this.lists.set(method, { items, expires });
    return items;
  }

  /** Count a client's subscription; the first one subscribes upstream. */
  async subscribe(uri: string, call: CallContext, timeoutMs: number): Promise<void> {
    const count = this.subscriptionCounts.get(uri) ?? 0;
    if (count === 0) await this.request('resources/subscribe', { uri }, call, timeoutMs);
    this.subscriptionCounts.set(uri, count + 1);
  }

  /** Drop a client's subscription; the last one unsubscribes upstream. */
  async unsubscribe(uri: string, call: CallContext | undefined, timeoutMs: number): Promise<void> {
    const count = this.subscriptionCounts.get(uri) ?? 0;
    if (count <= 0) return;
    if (count === 1) {
      this.subscriptionCounts.delete(uri);
      if (call !== undefined) await this.request('resources/unsubscribe', { uri }, call, timeoutMs);
      else void this.peer?.request('resources/unsubscribe', { uri }).catch(() => undefined);
    } else {
      this.subscriptionCounts.set(uri, count - 1);
    }
  }

  subscriberCount(uri: string): number {
    return this.subscriptionCounts.get(uri) ?? 0;
  }

  /**
   * Sessions asked for different log levels; the server gets the most verbose of them, and each
   * session is sent only what it asked for.
   */
  async syncLogLevel(): Promise<void> {
    const peer = this.peer;
    if (peer === undefined) return;
    let wanted: LogLevel | undefined;
    for (const session of this.events.sessionsFor(this.name)) {
      const level = session.logLevel;
      if (
        level !== undefined &&
        (wanted === undefined || LOG_LEVELS.indexOf(level) < LOG_LEVELS.indexOf(wanted))
      )
        wanted = level;
    }
    if (wanted === undefined || wanted === this.upstreamLogLevel) return;
    this.upstreamLogLevel = wanted;
    await peer.request('logging/setLevel', { level: wanted }).catch(() => undefined);
  }

  /** The client answered a server-to-client request. */
  answer(gatewayId: JsonRpcId, message: JsonRpcMessage): boolean {
    const pending = this.serverRequests.get(String(gatewayId));
    if (pending === undefined) return false;
    this.serverRequests.delete(String(gatewayId));
    const body = message as unknown as Record<string, unknown>;
    void pending.peer
      .respond(
        'error' in body
          ? {
              jsonrpc: '2.0',
              id: pending.upstreamId,
              error: body['error'] as { code: number; message: string },
            }
          : { jsonrpc: '2.0', id: pending.upstreamId, result: (body['result'] ?? {}) as JsonObject },
      )
      .catch(() => undefined);
    return true;
  }

  owns(gatewayId: JsonRpcId): boolean {
    return this.serverRequests.has(String(gatewayId));
  }

  // --- From the server --------------------------------------------------------------------------

  private onNotification(notification: JsonRpcNotification): void {
    const params = notification.params ?? {};
    switch (notification.method) {
      case 'notifications/progress': {
        const route = this.progress.get(String(params['progressToken']));
        if (route !== undefined) {
          route.call.emit({
            jsonrpc: '2.0',
            method: notification.method,
            params: { ...params, progressToken: route.clientToken },
          });
        }
        return;
      }
      case 'notifications/message': {
        const level = params['level'];
        const index = typeof level === 'string' ? LOG_LEVELS.indexOf(level as LogLevel) : -1;
        for (const session of this.events.sessionsFor(this.name)) {
          if (session.logLevel !== undefined && index >= LOG_LEVELS.indexOf(session.logLevel))
            session.push(notification);
        }
        return;
      }
      case 'notifications/tools/list_changed':
        this.lists.delete('tools/list');
        this.events.listChanged(this.name, 'tools');
        return;
      case 'notifications/prompts/list_changed':
        this.lists.delete('prompts/list');
        this.events.listChanged(this.name, 'prompts');
        return;
      case 'notifications/resources/list_changed':
        this.lists.delete('resources/list');
        this.lists.delete('resources/templates/list');
        this.events.listChanged(this.name, 'resources');
        return;
      default:
        // resources/updated and the rest: the gateway decides who hears them.
        for (const session of this.events.sessionsFor(this.name)) this.deliver(session, notification);
    }
  }

  /** Hook for the gateway to rewrite and filter session-level notifications. */
  deliver: (session: ClientSession, notification: JsonRpcNotification) => void = (session, notification) => {
    session.push(notification);
  };

  /**
   * The server asks the client something (sampling, elicitation, roots). On a shared upstream
   * session the wire says nothing of which call caused it: it goes to the most recent call still
   * in flight whose client declared the capability (per-client sessions make this exact).
   */
  private onServerRequest(peer: McpPeer, request: JsonRpcRequest): void {
    if (request.method === 'ping') {
      void peer.respond({ jsonrpc: '2.0', id: request.id, result: {} }).catch(() => undefined);
      return;
    }
    const capability = SERVER_REQUEST_CAPABILITY[request.method];
    const capable = (session: ClientSession): boolean =>
      capability === undefined || capability in session.clientCapabilities;
    const calls = [...this.active]
      .filter((call) => call.onServerRequest !== undefined || (!call.session.closed && capable(call.session)))
      .sort((a, b) => b.startedAt - a.startedAt);
    const target = calls[0];
    if (target?.onServerRequest !== undefined) {
      target
        .onServerRequest(request)
        .then(
          (result) => peer.respond({ jsonrpc: '2.0', id: request.id, result }),
          (error: unknown) =>
            peer.respond({ jsonrpc: '2.0', id: request.id, error: toMCPError(error).toJsonRpc() }),
        )
        .catch(() => undefined);
      return;
    }
    if (target === undefined) {
      void peer
        .respond({
          jsonrpc: '2.0',
          id: request.id,
          error: {
            code: -32601,
            message: `no connected client can answer ${request.method} for server ${this.name}`,
          },
        })
        .catch(() => undefined);
      return;
    }
    const gatewayId = `mcpman-${this.name}-${this.nextToken++}`;
    this.serverRequests.set(gatewayId, { upstreamId: request.id, peer, session: target.session });
    target.emit({ ...request, id: gatewayId });
  }

  /** A client went away: drop its subscriptions and its unanswered server requests. */
  forget(session: ClientSession, uriOf: (clientUri: string) => string | undefined): void {
    for (const clientUri of session.subscriptions) {
      const uri = uriOf(clientUri);
      if (uri !== undefined) void this.unsubscribe(uri, undefined, 0).catch(() => undefined);
    }
    for (const [id, pending] of this.serverRequests) {
      if (pending.session === session) {
        this.serverRequests.delete(id);
        void pending.peer
          .respond({
            jsonrpc: '2.0',
            id: pending.upstreamId,
            error: { code: -32000, message: 'the client went away' },
          })
          .catch(() => undefined);
      }
    }
  }
}

export function isServerNotReady(error: unknown): boolean {
  return isMCPError(error) && error.code === MCPErrorCode.ServerNotReady;
}
