import {
  Cancellation,
  classifyMessage,
  invalidParams,
  JsonRpcErrorCode,
  MCPError,
  MCPErrorCode,
  objectOf,
} from '@mcpman/protocol';
import type {
  Disposable,
  JsonObject,
  JsonRpcNotification,
  JsonRpcRequest,
  JsonRpcResponse,
  ProtocolEra,
  ServerHandshake,
} from '@mcpman/protocol';
import { failSpan } from '../tracing/tracing.js';
import { forClient, describeEndpoint, mergeLists } from './aggregate.js';
import { bridgedCall, hasInputParams, inputBridge } from './era-bridges.js';
import { clientEra, discover, initialize } from './client-era.js';
import type { Description } from './client-era.js';
import type { ServerDirectory } from './directory.js';
import { InputBridge, answerWithoutClient, canGiveInput } from './input-bridge.js';
import { completionTarget, namedServer, requireUri, resolveName, resolveUri } from './resolve.js';
import type { Target, UriTarget } from './resolve.js';
import { errorBody } from './request-context.js';
import type { RequestContext } from './request-context.js';
import { CallPolicy } from './policy.js';
import { ClientSession, isLogLevel, mergedScope } from './session.js';
import type { Identity } from './session.js';
import type { ProfileInfo } from '@mcpman/shared';
import { SessionRegistry } from './session-registry.js';
import type { GatewayOptions } from './gateway-options.js';
import { stripClientEnvelope } from './upstream-era.js';
import type { CallContext } from './call-context.js';
import { UpstreamSelection } from './upstream-selection.js';
import { ToolIndex } from './discovery/tool-index.js';
import { callDiscoveryTool, discoveryTools, isDiscoveryTool } from './discovery/tool-discovery.js';
import type { DiscoveryConfig, DiscoveryDeps } from './discovery/tool-discovery.js';
import { ListenStreams } from './listen-streams.js';
import { headerMismatch, paramHeaderMismatch } from './param-headers.js';
import type { ParamHeaders } from './param-headers.js';

export type { RequestContext } from './request-context.js';
export type { GatewayOptions } from './gateway-options.js';

/** The manager itself, asking on an endpoint's behalf (profile tool counts). */
const MANAGER_IDENTITY: Identity = { name: 'manager', kind: 'local', admin: true };

/**
 * The gateway's one message path. Every client transport turns what it receives into calls
 * here and sends back what comes out. `Gateway` dispatches: the era rules are the session's
 * era object (client-era.ts), who may do what is the policy (policy.ts), where a call goes is
 * the upstream selection, and merging lists is aggregate.ts.
 */
export class Gateway implements Disposable {
  /** Every open client session, for every transport: where a session id is looked up. */
  readonly sessions: SessionRegistry;
  private readonly directory: ServerDirectory;
  private readonly timeoutMs: number;
  private readonly pageSize: number;
  private readonly bridge = new InputBridge();
  private readonly listens = new ListenStreams((session, uri) =>
    this.subscription(session, 'resources/subscribe', { uri }, { session, emit: () => undefined }).then(
      () => true,
      () => false,
    ),
  );
  private readonly policy: CallPolicy;
  private readonly upstreams: UpstreamSelection;
  /** Every tool behind the gateway, searchable by what it does (discovery endpoints). */
  private readonly toolIndex = new ToolIndex();

  constructor(private readonly options: GatewayOptions) {
    this.sessions = new SessionRegistry(
      options.sharedSessions,
      (options.sessionIdleMs ?? 1_800_000) / 4,
      options.sessionLimits,
    );
    this.directory = options.directory;
    this.timeoutMs = options.requestTimeoutMs ?? 300_000;
    this.pageSize = options.pageSize ?? 500;
    this.policy = new CallPolicy(options);
    this.upstreams = new UpstreamSelection({
      directory: options.directory,
      sessions: () => this.sessions,
      serversOf: (session) => this.policy.serversOf(session),
      onServerMessage: options.onServerMessage,
      maxSubscriptions: options.sessionLimits?.subscriptionsPerSession,
    });
  }

  hasServer(name: string): boolean {
    return this.directory.get(name) !== undefined;
  }

  hasProfile(name: string): boolean {
    return Object.hasOwn(this.directory.profiles?.() ?? {}, name);
  }

  /** Each profile with its servers and how many tools its endpoint lists now. */
  async profiles(): Promise<ProfileInfo[]> {
    const profiles = this.directory.profiles?.() ?? {};
    return Promise.all(
      Object.entries(profiles).map(async ([name, profile]) => {
        // Counted as a client of the endpoint would see it, grants aside.
        const session = new ClientSession('dashboard', mergedScope(name), MANAGER_IDENTITY);
        const servers = this.serversOf(session);
        const unavailable: string[] = [];
        let tools = 0;
        for (const server of servers) {
          try {
            const listed = await this.upstreams
              .hub(server)
              .list('tools/list', { session, emit: () => undefined }, this.timeoutMs);
            tools += listed.filter((tool) =>
              this.policy.toolVisible(session, server, typeof tool['name'] === 'string' ? tool['name'] : ''),
            ).length;
          } catch {
            unavailable.push(server);
          }
        }
        return {
          name,
          ...(profile.description === undefined ? {} : { description: profile.description }),
          servers,
          tools,
          unavailable,
        };
      }),
    );
  }

  /** The input schema of a tool as the session names it (for header checks); undefined if unknown. */
  private async toolInputSchema(session: ClientSession, name: unknown): Promise<JsonObject | undefined> {
    try {
      const target = this.target(session, name, 'tool');
      const call = { session, emit: () => undefined };
      const tools = await this.upstreams.hub(target.server).list('tools/list', call, this.timeoutMs);
      const schema = tools.find((tool) => tool['name'] === target.name)?.['inputSchema'];
      return typeof schema === 'object' && schema !== null ? (schema as JsonObject) : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Register a session a transport opened; it is forgotten (and its upstream state freed) when it
   * closes. Throws LIMIT_EXCEEDED past gateway.sessionLimits (the transport refuses the session).
   */
  openSession(session: ClientSession): void {
    this.sessions.add(session, () => {
      this.upstreams.forget(session, (uri) => resolveUri(session, this.serversOf(session), uri));
    });
  }

  /** Servers a session can see: its scope, narrowed by its identity's grant. */
  serversOf(session: ClientSession): string[] {
    return this.policy.serversOf(session);
  }

  /**
   * Take a request's point from its identity's bucket before the transport accepts it, for
   * transports that answer before the request runs (legacy SSE's 202): a rejection can then
   * still be an HTTP 429. Throws RATE_LIMITED.
   */
  async admit(session: ClientSession, message: unknown): Promise<void> {
    if (classifyMessage(message).kind === 'request') await this.policy.admitRequest(session);
  }

  // --- Dispatch -----------------------------------------------------------------------------

  /**
   * Handle one message from a client. Requests resolve with their response; notifications and
   * responses (to server-to-client requests) resolve with undefined.
   */
  async handle(
    session: ClientSession,
    message: unknown,
    context: RequestContext,
  ): Promise<JsonRpcResponse | undefined> {
    session.touch();
    const classified = classifyMessage(message);
    switch (classified.kind) {
      case 'invalid':
        return {
          jsonrpc: '2.0',
          id: classified.id,
          error: { code: JsonRpcErrorCode.InvalidRequest, message: `Invalid Request: ${classified.reason}` },
        };
      case 'notification':
        this.onNotification(session, classified.message);
        return undefined;
      case 'response':
        this.onClientResponse(session, classified.message);
        return undefined;
      case 'request':
        return this.onRequest(session, classified.message, context);
    }
  }

  private async onRequest(
    session: ClientSession,
    request: JsonRpcRequest,
    context: RequestContext,
  ): Promise<JsonRpcResponse> {
    // Its own, so that a `notifications/cancelled` ends this request and not the transport's.
    const cancellation = new Cancellation();
    const unfollow = context.cancellation?.onAbort(() => {
      cancellation.abort();
    });
    session.inflight.set(request.id, cancellation);
    const timed = this.options.metrics?.startRequest(session.transport, request.method);
    const tracing = this.options.tracing;
    const span = tracing?.startRequest(
      request.method,
      { 'mcp.transport': session.transport, 'mcp.era': session.era, 'mcp.identity': session.identity.name },
      context.traceContext,
      objectOf(objectOf(request.params)['_meta']),
    );
    const era = clientEra(session);
    try {
      if (context.admitted !== true) {
        const admit = (): Promise<void> => this.policy.admitRequest(session);
        await (tracing === undefined ? admit() : tracing.step(span, 'rate-limit', admit));
      }
      const refused = era.refusal(request.method);
      if (refused !== undefined) throw refused;
      if (context.paramHeaders !== undefined && request.method === 'tools/call')
        await this.checkParamHeaders(session, request.params ?? {}, context.paramHeaders);
      const call: CallContext = {
        session,
        emit: context.emit,
        cancellation,
        ...(span === undefined ? {} : { span }),
      };
      let result: JsonObject;
      if (
        inputBridge(session.era, this.targetEra(session, request), request.method) !== 'requests-as-results'
      ) {
        result = await this.route(session, request, call);
      } else if (canGiveInput(session.clientCapabilities) || hasInputParams(request)) {
        result = await bridgedCall(
          this.bridge,
          session,
          request,
          { emit: context.emit, cancellation },
          (r, c) => this.route(session, r, c),
        );
      } else {
        result = await this.route(session, request, { ...call, onServerRequest: answerWithoutClient });
      }
      return { jsonrpc: '2.0', id: request.id, result: era.shape(request.method, result) };
    } catch (error) {
      this.policy.countRejection(error);
      const body = errorBody(error);
      if (span !== undefined) failSpan(span, new Error(body.message));
      return { jsonrpc: '2.0', id: request.id, error: body };
    } finally {
      span?.end();
      timed?.();
      session.inflight.delete(request.id);
      unfollow?.();
    }
  }

  /** SEP-2243: headers that disagree with the body are refused before anything in it is believed. */
  private async checkParamHeaders(
    session: ClientSession,
    params: JsonObject,
    paramHeaders: ParamHeaders,
  ): Promise<void> {
    const schema = await this.toolInputSchema(session, params['name']);
    const problem = paramHeaderMismatch(paramHeaders, schema, params['arguments']);
    if (problem !== undefined) throw headerMismatch(problem);
  }

  /** The era of the one server a call names, if it names one. */
  private targetEra(session: ClientSession, request: JsonRpcRequest): ProtocolEra | undefined {
    const server = namedServer(session, request.method, request.params);
    return server === undefined ? undefined : this.directory.get(server)?.handshake?.era;
  }

  private onNotification(session: ClientSession, notification: JsonRpcNotification): void {
    switch (notification.method) {
      case 'notifications/initialized':
        session.initialized = true;
        return;
      case 'notifications/cancelled': {
        const id = notification.params?.['requestId'];
        if (typeof id === 'string' || typeof id === 'number') session.inflight.get(id)?.abort();
        return;
      }
      case 'notifications/roots/list_changed':
        // Forwarded to the servers this session sees, which may ask for roots again.
        for (const server of this.serversOf(session)) {
          void this.directory
            .get(server)
            ?.peer?.notify(notification.method)
            .catch(() => undefined);
        }
        return;
      default:
        return;
    }
  }

  private onClientResponse(session: ClientSession, response: JsonRpcResponse): void {
    if (response.id === null) return;
    for (const hub of this.upstreams.hubsOf(session)) if (hub.answer(response.id, response)) return;
  }

  private async route(
    session: ClientSession,
    request: JsonRpcRequest,
    call: CallContext,
  ): Promise<JsonObject> {
    const params = request.params ?? {};
    switch (request.method) {
      case 'initialize':
        return initialize(session, params, () => this.describe(session));
      case 'server/discover':
        return discover(this.describe(session));
      case 'ping':
        return {};
      case 'logging/setLevel': {
        const level = params['level'];
        if (!isLogLevel(level)) throw invalidParams(`unknown log level ${JSON.stringify(level)}`);
        session.logLevel = level;
        await Promise.all(this.upstreams.hubsOf(session, true).map((hub) => hub.syncLogLevel()));
        return {};
      }
      case 'tools/list': {
        const discovery = this.discoveryOf(session);
        if (discovery !== undefined) return { tools: discoveryTools(discovery) };
        return this.list(session, request.method, params, call);
      }
      case 'prompts/list':
      case 'resources/list':
      case 'resources/templates/list':
        return this.list(session, request.method, params, call);
      case 'tools/call': {
        const discovery = this.discoveryOf(session);
        if (discovery !== undefined && isDiscoveryTool(params['name']))
          return callDiscoveryTool(this.discoveryDeps(call), discovery, session, params);
        return this.callTool(session, params, call);
      }
      case 'prompts/get': {
        const { server, name } = this.target(session, params['name'], 'prompt');
        return this.forwardTo(session, server, request.method, { ...params, name }, call);
      }
      case 'resources/read': {
        const { server, uri } = this.requireUri(session, params['uri']);
        return this.forwardTo(session, server, request.method, { ...params, uri }, call);
      }
      case 'resources/subscribe':
      case 'resources/unsubscribe':
        return this.subscription(session, request.method, params, call);
      case 'completion/complete':
        return this.complete(session, params, call);
      case 'subscriptions/listen':
        return this.listens.serve(session, request.id, params, call.emit, call.cancellation);
      default:
        // One server: anything else (tasks, experimental methods) goes through as it is.
        if (session.scope.kind === 'server')
          return this.forward(session, session.scope.server, request.method, params, call);
        throw new MCPError(MCPErrorCode.ProtocolMethodNotFound, `Method not found: ${request.method}`);
    }
  }

  /** A routed call whose result refers to the server's items: rewritten as the client sees them. */
  private async forwardTo(
    session: ClientSession,
    server: string,
    method: string,
    params: JsonObject,
    call: CallContext,
    tool?: string,
  ): Promise<JsonObject> {
    return forClient(session, server, await this.forward(session, server, method, params, call, tool));
  }

  /** The policy steps, then the upstream call inside the server's gate and its own span. */
  private async forward(
    session: ClientSession,
    server: string,
    method: string,
    params: JsonObject,
    call: CallContext,
    tool?: string,
  ): Promise<JsonObject> {
    await this.policy.check({ session, server, method, ...(tool === undefined ? {} : { tool }) });
    return this.policy.gated(server, async () => {
      const hub = await this.upstreams.upstream(session, server);
      return hub.traced(method, stripClientEnvelope(params), call, this.timeoutMs, this.options.tracing);
    });
  }

  private describe(session: ClientSession): Description {
    const handshake = (server: string): ServerHandshake | undefined => this.directory.get(server)?.handshake;
    return describeEndpoint(session, this.serversOf(session), handshake, this.options.serverInfo);
  }

  /** A tool call by the name the session sees, recorded with its outcome. */
  private callTool(session: ClientSession, params: JsonObject, call: CallContext): Promise<JsonObject> {
    return this.policy.recordToolCall(session, params, async (resolved) => {
      const where = this.target(session, params['name'], 'tool');
      resolved(where);
      return this.forwardTo(
        session,
        where.server,
        'tools/call',
        { ...params, name: where.name },
        call,
        where.name,
      );
    });
  }

  /** The discovery settings of the session's endpoint, when it finds tools on demand. */
  private discoveryOf(session: ClientSession): DiscoveryConfig | undefined {
    const scope = session.scope;
    if (scope.kind !== 'all') return undefined;
    const config =
      scope.profile === undefined
        ? this.options.discovery
        : this.directory.profiles?.()[scope.profile]?.discovery;
    return config?.mode === 'find' ? config : undefined;
  }

  private discoveryDeps(call: CallContext): DiscoveryDeps {
    return {
      index: this.toolIndex,
      refresh: async (session) => {
        for (const server of this.serversOf(session)) {
          try {
            this.toolIndex.update(
              server,
              await this.upstreams.hub(server).list('tools/list', call, this.timeoutMs),
            );
          } catch {
            // Not ready (or failed): its tools are not offered until it lists them again.
            this.toolIndex.remove(server);
          }
        }
      },
      visible: (session, tool) =>
        this.serversOf(session).includes(tool.server) &&
        this.policy.toolVisible(session, tool.server, tool.name),
      callTool: (session, params) => this.callTool(session, params, call),
    };
  }

  private list(
    session: ClientSession,
    method: string,
    params: JsonObject,
    call: CallContext,
  ): Promise<JsonObject> {
    return mergeLists(session, method, params['cursor'], this.pageSize, {
      servers: this.serversOf(session),
      fetch: (server) => this.upstreams.hub(server).list(method, call, this.timeoutMs),
      visibleTool: (server, name) => this.policy.toolVisible(session, server, name),
    });
  }

  private target(session: ClientSession, name: unknown, what: string): Target {
    return resolveName(session, this.serversOf(session), name, what);
  }

  private requireUri(session: ClientSession, uri: unknown): UriTarget {
    return requireUri(session, this.serversOf(session), uri);
  }

  /** A resource subscription taken or dropped, counted across the server's clients. */
  private async subscription(
    session: ClientSession,
    method: 'resources/subscribe' | 'resources/unsubscribe',
    params: JsonObject,
    call: CallContext,
  ): Promise<JsonObject> {
    const target = this.requireUri(session, params['uri']);
    const change = method === 'resources/subscribe' ? 'subscribe' : 'unsubscribe';
    await this.upstreams[change](session, String(params['uri']), target, call, this.timeoutMs);
    return {};
  }

  private complete(session: ClientSession, params: JsonObject, call: CallContext): Promise<JsonObject> {
    const { server, params: upstream } = completionTarget(session, this.serversOf(session), params);
    return this.forward(session, server, 'completion/complete', upstream, call);
  }

  /** End every `subscriptions/listen` gracefully, before the transports close (see ListenStreams). */
  endListens(): Promise<void> {
    return this.listens.close();
  }

  dispose(): void {
    void this.listens.close();
    this.upstreams.dispose();
    this.bridge.dispose();
    this.sessions.closeAll();
    this.sessions.dispose();
  }
}
