import {
  JsonRpcErrorCode,
  LIST_METHODS,
  MCPError,
  MCPErrorCode,
  RemoteRpcError,
  SERVER_REQUEST_CAPABILITY,
  toMCPError,
} from '@mcpman/protocol';
import type {
  JsonObject,
  JsonRpcErrorBody,
  JsonRpcId,
  JsonRpcMessage,
  JsonRpcNotification,
  JsonRpcRequest,
  McpPeer,
} from '@mcpman/protocol';
import { failSpan } from '../tracing/tracing.js';
import type { Tracing } from '../tracing/tracing.js';
import { answerInputRequired, inputBridge } from './era-bridges.js';
import type { ManagedServer } from './directory.js';
import { ListCache } from './list-cache.js';
import { LogLevelSync, wantsLevel } from './log-levels.js';
import { SubscriptionCounter } from './subscription-counter.js';
import { SESSION_UPSTREAM, upstreamEra } from './upstream-era.js';
import type { UpstreamEra, UpstreamSend, UpstreamSubscriptions } from './upstream-era.js';
import { missingCapability } from './input-bridge.js';
import type { ClientSession } from './session.js';
import type { CallContext } from './call-context.js';

export type { CallContext } from './call-context.js';

interface ActiveCall extends CallContext {
  readonly startedAt: number;
}

interface ProgressRoute {
  readonly clientToken: string | number;
  readonly call: CallContext;
}

/** A request to a client (for a server) waiting for the client's answer. */
interface PendingServerRequest {
  readonly session: ClientSession;
  /** Takes the client's answer where it belongs: the server's request, or an input round. */
  readonly settle: (answer: { result: JsonObject } | { error: JsonRpcErrorBody }) => void;
}

export interface HubEvents {
  /** The server changed a list (or came and went): sessions that see it should hear. */
  listChanged(server: string, kind: 'tools' | 'prompts' | 'resources'): void;
  /** Sessions that may receive this server's session-level messages. */
  sessionsFor(server: string): Iterable<ClientSession>;
  /** A `notifications/message` from the server, for the manager's log. */
  serverMessage?(server: string, params: JsonObject): void;
}

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
  private readonly lists = new ListCache();
  private readonly subscriptionCounts = new SubscriptionCounter();
  private readonly logLevels = new LogLevelSync();
  private nextToken = 1;
  /** The era of the current upstream session, chosen when it binds. */
  private era: UpstreamEra = SESSION_UPSTREAM;
  private subscriptions: UpstreamSubscriptions | undefined;

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
    this.logLevels.reset();
    this.serverRequests.clear();
    this.subscriptions?.stop();
    this.subscriptions = undefined;
    this.era = upstreamEra(server.handshake?.era);
    if (peer !== undefined) {
      this.attachHandlers(peer);
      this.subscriptions = this.era.subscriptions(peer, () => this.subscriptionCounts.uris());
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

  /** A request in a child span of the call's (when tracing), whose context goes upstream. */
  async traced(
    method: string,
    params: JsonObject,
    call: CallContext,
    timeoutMs: number,
    tracing: Tracing | undefined,
  ): Promise<JsonObject> {
    if (tracing === undefined || call.span === undefined)
      return this.request(method, params, call, timeoutMs);
    const span = tracing.startChild(call.span, `upstream ${this.name}`, {
      'mcp.server': this.name,
      'mcp.method': method,
    });
    try {
      return await this.request(method, params, { ...call, traceContext: tracing.inject(span) }, timeoutMs);
    } catch (error) {
      failSpan(span, error);
      throw error;
    } finally {
      span.end();
    }
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
    outgoing = this.era.envelope(outgoing, call.session, call.traceContext);
    try {
      const result = await peer.request(method, outgoing, { cancellation: call.cancellation, timeoutMs });
      return inputBridge(call.session.era, this.era.name, method) === 'results-as-requests'
        ? await answerInputRequired(
            { server: this.name, peer, ask: (asked, params) => this.askClient(call, asked, params) },
            method,
            outgoing ?? {},
            result,
            { cancellation: call.cancellation, timeoutMs },
          )
        : result;
    } finally {
      this.active.delete(active);
      if (token !== undefined) this.progress.delete(token);
    }
  }

  /** Ask the client of `call` something on the server's behalf and wait for its answer. */
  private askClient(call: CallContext, method: string, params: JsonObject): Promise<JsonObject> {
    const capability = SERVER_REQUEST_CAPABILITY[method];
    if (capability !== undefined && !(capability in call.session.clientCapabilities)) {
      return Promise.reject(missingCapability(method, capability));
    }
    const gatewayId = `mcpman-${this.name}-${this.nextToken++}`;
    return new Promise<JsonObject>((resolve, reject) => {
      const onAbort = (): void => {
        this.serverRequests.delete(gatewayId);
        reject(new MCPError(MCPErrorCode.Cancelled, `${method} was cancelled with the call`));
      };
      const unfollow = call.cancellation?.onAbort(onAbort);
      this.serverRequests.set(gatewayId, {
        session: call.session,
        settle: (answer) => {
          unfollow?.();
          if ('error' in answer) reject(new RemoteRpcError(answer.error, 'the client'));
          else resolve(answer.result);
        },
      });
      call.emit({ jsonrpc: '2.0', id: gatewayId, method, params });
    });
  }

  /** Every item of a list method, following the server's own cursors; cached. */
  async list(method: string, call: CallContext, timeoutMs: number): Promise<readonly JsonObject[]> {
    const cached = this.lists.get(method);
    if (cached !== undefined) return cached;
    const key = LIST_METHODS[method]?.key;
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
    if (this.peer !== undefined) this.lists.set(method, items, ttlMs);
    return items;
  }

  /** Count a client's subscription; the first one subscribes upstream. */
  async subscribe(uri: string, call: CallContext, timeoutMs: number): Promise<void> {
    if (!this.subscriptionCounts.add(uri)) return;
    try {
      this.requirePeer();
      await this.subscriptions?.added(uri, this.sender(call, timeoutMs));
    } catch (error) {
      // Not subscribed upstream after all: this client's count goes.
      this.subscriptionCounts.undo(uri);
      throw error;
    }
  }

  /** Drop a client's subscription; the last one unsubscribes upstream. */
  async unsubscribe(uri: string, call: CallContext | undefined, timeoutMs: number): Promise<void> {
    if (!this.subscriptionCounts.remove(uri)) return;
    await this.subscriptions?.removed(uri, call === undefined ? undefined : this.sender(call, timeoutMs));
  }

  /** Requests on behalf of `call`'s client, as the era's subscription rules send them. */
  private sender(call: CallContext, timeoutMs: number): UpstreamSend {
    return (method, params) => this.request(method, params, call, timeoutMs);
  }

  subscriberCount(uri: string): number {
    return this.subscriptionCounts.count(uri);
  }

  /**
   * Sessions asked for different log levels; the server gets the most verbose of them, and each
   * session is sent only what it asked for.
   */
  async syncLogLevel(): Promise<void> {
    const peer = this.peer;
    // 2026-07-28 has no logging/setLevel: each request carries its client's level instead.
    if (peer === undefined || !this.era.setsLogLevel) return;
    const wanted = this.logLevels.next(this.events.sessionsFor(this.name));
    if (wanted !== undefined)
      await peer.request('logging/setLevel', { level: wanted }).catch(() => undefined);
  }

  /** The client answered a server-to-client request. */
  answer(gatewayId: JsonRpcId, message: JsonRpcMessage): boolean {
    const pending = this.serverRequests.get(String(gatewayId));
    if (pending === undefined) return false;
    this.serverRequests.delete(String(gatewayId));
    const body = message as unknown as Record<string, unknown>;
    pending.settle(
      'error' in body
        ? { error: body['error'] as JsonRpcErrorBody }
        : { result: (body['result'] ?? {}) as JsonObject },
    );
    return true;
  }

  owns(gatewayId: JsonRpcId): boolean {
    return this.serverRequests.has(String(gatewayId));
  }

  // --- From the server --------------------------------------------------------------------------

  private onNotification(raw: JsonRpcNotification): void {
    const notification = this.subscriptions === undefined ? raw : this.subscriptions.accept(raw);
    if (notification === undefined) return;
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
        this.events.serverMessage?.(this.name, params);
        for (const session of this.events.sessionsFor(this.name))
          if (wantsLevel(session, params['level'])) session.push(notification);
        return;
      }
      case 'notifications/tools/list_changed':
        this.listChanged('tools');
        return;
      case 'notifications/prompts/list_changed':
        this.listChanged('prompts');
        return;
      case 'notifications/resources/list_changed':
        this.listChanged('resources');
        return;
      default:
        // resources/updated and the rest: the gateway decides who hears them.
        for (const session of this.events.sessionsFor(this.name)) this.deliver(session, notification);
    }
  }

  private listChanged(kind: 'tools' | 'prompts' | 'resources'): void {
    this.lists.changed(kind);
    this.events.listChanged(this.name, kind);
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
            code: JsonRpcErrorCode.MethodNotFound,
            message: `no connected client can answer ${request.method} for server ${this.name}`,
          },
        })
        .catch(() => undefined);
      return;
    }
    const gatewayId = `mcpman-${this.name}-${this.nextToken++}`;
    this.serverRequests.set(gatewayId, {
      session: target.session,
      settle: (answer) => {
        void peer
          .respond(
            'error' in answer
              ? { jsonrpc: '2.0', id: request.id, error: answer.error }
              : { jsonrpc: '2.0', id: request.id, result: answer.result },
          )
          .catch(() => undefined);
      },
    });
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
        pending.settle({
          error: { code: JsonRpcErrorCode.ConnectionClosed, message: 'the client went away' },
        });
      }
    }
  }
}
