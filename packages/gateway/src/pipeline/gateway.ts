import {
  Cancellation,
  LATEST_LEGACY_VERSION,
  LEGACY_VERSIONS,
  META,
  MODERN_VERSION,
  MCPError,
  MCPErrorCode,
  JsonRpcErrorCode,
  RemoteRpcError,
  classifyMessage,
  secretRedactor,
  toMCPError,
} from '@mcpman/core';
import type {
  Disposable,
  Implementation,
  JsonObject,
  JsonRpcErrorBody,
  JsonRpcMessage,
  JsonRpcNotification,
  JsonRpcRequest,
  JsonRpcResponse,
  ProtocolEra,
} from '@mcpman/core';
import type { ServerDirectory } from './directory.js';
import { prefixName, prefixUri, splitName, splitUri, toolAllowed } from './names.js';
import { isLogLevel } from './session.js';
import { failSpan } from '../tracing/tracing.js';
import type { Tracing } from '../tracing/tracing.js';
import type { ClientSession } from './session.js';
import { InputBridge, ParkedCall, answerWithoutClient, canGiveInput } from './input-bridge.js';
import { UpstreamHub } from './upstream-hub.js';
import { SessionUpstreams } from './session-upstreams.js';
import type { CallContext } from './upstream-hub.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { RateLimits } from '../limits/rate-limits.js';
import type { GatewayMetrics, ToolOutcome } from '../metrics/gateway-metrics.js';

export interface GatewayOptions {
  readonly directory: ServerDirectory;
  readonly serverInfo: Implementation;
  /** Longest a forwarded call may take. */
  readonly requestTimeoutMs?: number;
  /** Items per page of aggregated lists. */
  readonly pageSize?: number;
  /** Request buckets and concurrency caps (gateway.rateLimit). */
  readonly limits?: RateLimits;
  /** Where tool calls are recorded. */
  readonly audit?: AuditLog;
  /** Prometheus figures (request durations, tool calls, rejections). */
  readonly metrics?: GatewayMetrics;
  /** OpenTelemetry spans per request (a no-op unless an exporter is configured). */
  readonly tracing?: Tracing;
  /** `notifications/message` from servers, for the manager's log. */
  readonly onServerMessage?: (server: string, params: JsonObject) => void;
}

/** Context of one request from a client. */
export interface RequestContext {
  /** Messages related to this request, sent before its response (progress, server requests). */
  readonly emit: (message: JsonRpcMessage) => void;
  /** Fired when the transport gives up on the request (its response stream closed, a timeout). */
  readonly cancellation?: Cancellation;
  /** The transport already took this request's identity-bucket point (see `admit`). */
  readonly admitted?: boolean;
  /** Headers of the HTTP request that carried the message (a client's `traceparent`). */
  readonly headers?: Readonly<Record<string, unknown>>;
}

const LIST_ITEMS: Readonly<
  Record<string, { key: string; kind: 'tool' | 'prompt' | 'resource' | 'template' }>
> = {
  'tools/list': { key: 'tools', kind: 'tool' },
  'prompts/list': { key: 'prompts', kind: 'prompt' },
  'resources/list': { key: 'resources', kind: 'resource' },
  'resources/templates/list': { key: 'resourceTemplates', kind: 'template' },
};

const SUPPORTED_LEGACY = new Set<string>([...LEGACY_VERSIONS, '2024-10-07']);

/** Requests that may need input from the client mid-call (2026-07-28 InputRequiredResult). */
const INPUT_METHODS = new Set(['tools/call', 'prompts/get', 'resources/read']);

/** Methods the 2026-07-28 revision removed: unknown on its wire (404, -32601). */
const REMOVED_IN_MODERN = new Set([
  'initialize',
  'notifications/initialized',
  'ping',
  'logging/setLevel',
  'resources/subscribe',
  'resources/unsubscribe',
]);

function objectOf(value: unknown): JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : {};
}

function invalidParams(message: string): MCPError {
  return new MCPError(MCPErrorCode.ProtocolInvalidParams, message);
}

/** The JSON-RPC error body for anything thrown while handling a request. */
export function errorBody(error: unknown): JsonRpcErrorBody {
  const body = error instanceof RemoteRpcError ? error.toJsonRpc() : toMCPError(error).toJsonRpc();
  // An upstream error may quote the credentials the gateway sent it (header templates).
  return secretRedactor.size === 0 ? body : (secretRedactor.redactValue(body) as JsonRpcErrorBody);
}

/**
 * The gateway's one message path. Every client transport turns what it receives into calls
 * here and sends back what comes out; this routes, aggregates, caches, adapts protocol eras
 * and forwards to the upstream hubs.
 */
export class Gateway implements Disposable {
  private readonly hubs = new Map<string, UpstreamHub>();
  private readonly sessions = new Set<ClientSession>();
  private readonly directory: ServerDirectory;
  private readonly timeoutMs: number;
  private readonly pageSize: number;
  private readonly subscription: Disposable;
  private readonly bridge = new InputBridge();
  /** Client sessions' own upstreams, for servers with sessionMode per-client. */
  private readonly owned = new Map<ClientSession, SessionUpstreams>();

  constructor(private readonly options: GatewayOptions) {
    this.directory = options.directory;
    this.timeoutMs = options.requestTimeoutMs ?? 300_000;
    this.pageSize = options.pageSize ?? 500;
    this.subscription = this.directory.onStateChange((server) => {
      this.hub(server);
    });
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  hasServer(name: string): boolean {
    return this.directory.get(name) !== undefined;
  }

  /** The input schema of a tool as the session names it (for header checks); undefined if unknown. */
  async toolInputSchema(session: ClientSession, name: unknown): Promise<JsonObject | undefined> {
    try {
      const target = this.target(session, name, 'tool');
      const tools = await this.hub(target.server).list(
        'tools/list',
        { session, emit: () => undefined },
        this.timeoutMs,
      );
      const schema = tools.find((tool) => tool['name'] === target.name)?.['inputSchema'];
      return typeof schema === 'object' && schema !== null ? (schema as JsonObject) : undefined;
    } catch {
      return undefined;
    }
  }

  /** Subscribe a session to a resource it names as it sees it; false when it cannot be. */
  async subscribeUri(session: ClientSession, uri: string): Promise<boolean> {
    try {
      await this.subscribe(session, { uri }, { session, emit: () => undefined });
      return true;
    } catch {
      return false;
    }
  }

  openSession(session: ClientSession): void {
    this.sessions.add(session);
    session.onClose(() => {
      this.sessions.delete(session);
      const owned = this.owned.get(session);
      this.owned.delete(session);
      void owned?.release();
      for (const hub of this.hubs.values()) {
        hub.forget(session, (uri) => {
          const target = this.upstreamUri(session, uri);
          return target?.server === hub.name ? target.uri : undefined;
        });
      }
    });
  }

  /** Servers a session can see: its scope, narrowed by its identity's grant. */
  serversOf(session: ClientSession): string[] {
    const names = session.scope.kind === 'all' ? this.directory.names() : [session.scope.server];
    const granted = session.identity.servers;
    return granted === undefined ? names : names.filter((name) => granted.includes(name));
  }

  /**
   * Where a session's call to `server` goes: the session's own upstream when the server runs
   * per-client (leased on first use), else the server's shared hub.
   */
  private async upstream(session: ClientSession, server: string): Promise<UpstreamHub> {
    const managed = this.directory.get(server);
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

  /** The hub of a server, bound to its current upstream session. */
  private hub(server: string): UpstreamHub {
    let hub = this.hubs.get(server);
    if (hub === undefined) {
      hub = new UpstreamHub(server, {
        listChanged: (name, kind) => {
          this.broadcastListChanged(name, kind);
        },
        sessionsFor: (name) => [...this.sessions].filter((s) => this.serversOf(s).includes(name)),
        serverMessage: (name, params) => {
          this.options.onServerMessage?.(name, params);
        },
      });
      hub.deliver = (session, notification) => {
        this.deliverFromServer(server, session, notification);
      };
      this.hubs.set(server, hub);
    }
    const managed = this.directory.get(server);
    if (managed !== undefined) hub.bind(managed);
    return hub;
  }

  private broadcastListChanged(server: string, kind: 'tools' | 'prompts' | 'resources'): void {
    const message: JsonRpcNotification = { jsonrpc: '2.0', method: `notifications/${kind}/list_changed` };
    for (const session of this.sessions) {
      if (session.initialized && this.serversOf(session).includes(server)) session.push(message);
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

  // --- Dispatch -----------------------------------------------------------------------------

  /**
   * Handle one message from a client. Requests resolve with their response; notifications and
   * responses (to server-to-client requests) resolve with undefined.
   */
  /**
   * Take a request's point from its identity's bucket before the transport accepts it, for
   * transports that answer before the request runs (legacy SSE's 202): a rejection can then
   * still be an HTTP 429. Throws RATE_LIMITED.
   */
  async admit(session: ClientSession, message: unknown): Promise<void> {
    if (classifyMessage(message).kind !== 'request') return;
    try {
      await this.options.limits?.consume('identity', session.identity.name);
    } catch (error) {
      this.countRejection(error);
      throw error;
    }
  }

  private countRejection(error: unknown): void {
    if (error instanceof MCPError && error.code === MCPErrorCode.RateLimited) {
      const limit = error.data?.['limit'];
      this.options.metrics?.rateLimited(typeof limit === 'string' ? limit : 'unknown');
    }
  }

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
      {
        'mcp.transport': session.transport,
        'mcp.era': session.era,
        'mcp.identity': session.identity.name,
      },
      context.headers,
      objectOf(objectOf(request.params)['_meta']),
    );
    try {
      if (context.admitted !== true) {
        const consume = (): Promise<void> =>
          this.options.limits?.consume('identity', session.identity.name) ?? Promise.resolve();
        await (tracing === undefined ? consume() : tracing.step(span, 'rate-limit', consume));
      }
      if (session.era === 'modern' && REMOVED_IN_MODERN.has(request.method)) {
        throw new MCPError(
          MCPErrorCode.ProtocolMethodNotFound,
          `Method not found: ${request.method} is not part of ${MODERN_VERSION}`,
        );
      }
      const call: CallContext = {
        session,
        emit: context.emit,
        cancellation,
        ...(span === undefined ? {} : { span }),
      };
      // A 2026-07-28 server's InputRequiredResults go to a 2026-07-28 client as they are;
      // only a legacy server's requests to the client need the bridge.
      const result =
        session.era !== 'modern' ||
        !INPUT_METHODS.has(request.method) ||
        this.targetEra(session, request) === 'modern'
          ? await this.route(session, request, call)
          : canGiveInput(session.clientCapabilities) || hasInputParams(request)
            ? await this.bridged(session, request, context, cancellation)
            : await this.route(session, request, { ...call, onServerRequest: answerWithoutClient });
      return {
        jsonrpc: '2.0',
        id: request.id,
        result: session.era === 'modern' ? forModernClient(request.method, result) : forLegacyClient(result),
      };
    } catch (error) {
      this.countRejection(error);
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

  /** The era of the one server a call names (by scope, tool or prompt name, or resource URI). */
  private targetEra(session: ClientSession, request: JsonRpcRequest): ProtocolEra | undefined {
    let server: string | undefined;
    if (session.scope.kind === 'server') server = session.scope.server;
    else {
      const key = request.params?.[request.method === 'resources/read' ? 'uri' : 'name'];
      if (typeof key === 'string')
        server = (request.method === 'resources/read' ? splitUri(key) : splitName(key))?.server;
    }
    return server === undefined ? undefined : this.directory.get(server)?.handshake?.era;
  }

  /**
   * A call from a 2026-07-28 client that the server may interrupt with requests to the client
   * (sampling, elicitation, roots). Those end this request with an InputRequiredResult; the
   * client's retry (new id, `inputResponses`, `requestState`) answers them and resumes the
   * same upstream call.
   */
  private async bridged(
    session: ClientSession,
    request: JsonRpcRequest,
    context: RequestContext,
    cancellation: Cancellation,
  ): Promise<JsonObject> {
    const { inputResponses, requestState, ...params } = request.params ?? {};
    let parked: ParkedCall;
    if (requestState !== undefined) {
      parked = this.bridge.resolve(requestState);
      parked.supply(inputResponses ?? {});
    } else {
      // Answers without a state to resume are checked, then the call starts afresh.
      if (inputResponses !== undefined) ParkedCall.validate(inputResponses);
      const fresh = new ParkedCall(session.clientCapabilities, new Cancellation());
      const call: CallContext = {
        session,
        emit: (message) => {
          fresh.emit(message);
        },
        cancellation: fresh.abort,
        onServerRequest: fresh.collect,
      };
      fresh.follow(this.route(session, { ...request, params }, call));
      this.bridge.park(fresh);
      parked = fresh;
    }
    // Progress of this round goes to this round's response stream.
    parked.emitTo = context.emit;
    const onAbort = (): void => {
      parked.cancel('the client closed the request');
      this.bridge.release(parked);
    };
    const unfollow = cancellation.onAbort(onAbort);
    try {
      const outcome = await parked.next();
      if (outcome.kind === 'done') {
        this.bridge.release(parked);
        return outcome.result;
      }
      return {
        resultType: 'input_required',
        inputRequests: parked.inputRequests(),
        requestState: this.bridge.token(parked),
      };
    } catch (error) {
      this.bridge.release(parked);
      throw error;
    } finally {
      unfollow();
      parked.emitTo = undefined;
    }
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
    for (const server of this.serversOf(session)) {
      if (this.hubs.get(server)?.answer(response.id, response) === true) return;
    }
    for (const hub of this.owned.get(session)?.hubs() ?? []) {
      if (hub.answer(response.id, response)) return;
    }
  }

  private async route(
    session: ClientSession,
    request: JsonRpcRequest,
    call: CallContext,
  ): Promise<JsonObject> {
    const params = request.params ?? {};
    switch (request.method) {
      case 'initialize':
        return this.initialize(session, params);
      case 'server/discover':
        return this.discover(session);
      case 'ping':
        return {};
      case 'logging/setLevel': {
        const level = params['level'];
        if (!isLogLevel(level)) throw invalidParams(`unknown log level ${JSON.stringify(level)}`);
        session.logLevel = level;
        await Promise.all([
          ...this.serversOf(session).map((server) => this.hub(server).syncLogLevel()),
          ...(this.owned.get(session)?.hubs() ?? []).map((hub) => hub.syncLogLevel()),
        ]);
        return {};
      }
      case 'tools/list':
      case 'prompts/list':
      case 'resources/list':
      case 'resources/templates/list':
        return this.list(session, request.method, params, call);
      case 'tools/call':
        return this.callTool(session, params, call);
      case 'prompts/get':
        return this.byName(session, 'prompts/get', params, call);
      case 'resources/read':
        return this.readResource(session, params, call);
      case 'resources/subscribe':
        return this.subscribe(session, params, call);
      case 'resources/unsubscribe':
        return this.unsubscribe(session, params, call);
      case 'completion/complete':
        return this.complete(session, params, call);
      default:
        // One server: anything else (tasks, experimental methods) goes through as it is.
        if (session.scope.kind === 'server')
          return this.forward(session, session.scope.server, request.method, params, call);
        throw new MCPError(MCPErrorCode.ProtocolMethodNotFound, `Method not found: ${request.method}`);
    }
  }

  private async forward(
    session: ClientSession,
    server: string,
    method: string,
    params: JsonObject,
    call: CallContext,
  ): Promise<JsonObject> {
    if (!this.serversOf(session).includes(server)) {
      throw new MCPError(MCPErrorCode.AuthForbidden, `not allowed to use server ${server}`);
    }
    const limits = this.options.limits;
    await limits?.consume('server', server);
    const tracing = this.options.tracing;
    const send = async (): Promise<JsonObject> => {
      const hub = await this.upstream(session, server);
      if (tracing === undefined || call.span === undefined)
        return hub.request(method, forUpstream(params), call, this.timeoutMs);
      const span = tracing.startChild(call.span, `upstream ${server}`, {
        'mcp.server': server,
        'mcp.method': method,
      });
      try {
        return await hub.request(
          method,
          forUpstream(params),
          { ...call, traceContext: tracing.inject(span) },
          this.timeoutMs,
        );
      } catch (error) {
        failSpan(span, error);
        throw error;
      } finally {
        span.end();
      }
    };
    const gate = limits?.gate(server);
    return gate === undefined ? send() : gate.run(send);
  }

  // --- Lifecycle ----------------------------------------------------------------------------

  private initialize(session: ClientSession, params: JsonObject): JsonObject {
    const requested = params['protocolVersion'];
    const version =
      typeof requested === 'string' && SUPPORTED_LEGACY.has(requested) ? requested : LATEST_LEGACY_VERSION;
    session.era = 'legacy';
    session.protocolVersion = version;
    session.clientCapabilities = objectOf(params['capabilities']);
    const info = objectOf(params['clientInfo']);
    if (typeof info['name'] === 'string' && typeof info['version'] === 'string') {
      session.clientInfo = { name: info['name'], version: info['version'] };
    }
    const { capabilities, serverInfo, instructions } = this.describe(session);
    return {
      protocolVersion: version,
      capabilities,
      serverInfo,
      ...(instructions === undefined ? {} : { instructions }),
    };
  }

  private discover(session: ClientSession): JsonObject {
    const { capabilities, serverInfo, instructions } = this.describe(session);
    return {
      resultType: 'complete',
      supportedVersions: [MODERN_VERSION],
      capabilities,
      ...(instructions === undefined ? {} : { instructions }),
      _meta: { [META.serverInfo]: serverInfo },
    };
  }

  /** What this endpoint is: the one server as it described itself, or the merged gateway. */
  private describe(session: ClientSession): {
    capabilities: JsonObject;
    serverInfo: JsonObject;
    instructions: string | undefined;
  } {
    if (session.scope.kind === 'server') {
      const handshake = this.directory.get(session.scope.server)?.handshake;
      if (handshake === undefined) {
        throw new MCPError(MCPErrorCode.ServerNotReady, `server ${session.scope.server} is not ready`, {
          hint: 'It may be starting or restarting; `mcpman status` shows why. Retry shortly.',
        });
      }
      const info = handshake.serverInfo ?? this.options.serverInfo;
      return {
        capabilities: { ...handshake.capabilities },
        serverInfo: { ...info },
        instructions: handshake.instructions,
      };
    }
    const servers = this.serversOf(session);
    return {
      capabilities: {
        tools: { listChanged: true },
        prompts: { listChanged: true },
        resources: { subscribe: true, listChanged: true },
        logging: {},
        completions: {},
      },
      serverInfo: { ...this.options.serverInfo, title: 'MCP Server Manager gateway' },
      instructions:
        servers.length === 0
          ? undefined
          : `Tools and prompts of ${servers.join(', ')}, named <server>__<name>; resources as mcpman://<server>/<uri>.`,
    };
  }

  // --- Lists --------------------------------------------------------------------------------

  private async list(
    session: ClientSession,
    method: string,
    params: JsonObject,
    call: CallContext,
  ): Promise<JsonObject> {
    const spec = LIST_ITEMS[method];
    if (spec === undefined) throw new MCPError(MCPErrorCode.ProtocolMethodNotFound, method);
    const all: JsonObject[] = [];
    for (const server of this.serversOf(session)) {
      const hub = this.hub(server);
      let items: readonly JsonObject[];
      try {
        items = await hub.list(method, call, this.timeoutMs);
      } catch (error) {
        // A server that is down drops out of the aggregate list instead of failing it.
        if (session.scope.kind === 'all') continue;
        throw error;
      }
      const filter = this.directory.get(server)?.tools;
      for (const item of items) {
        const name = typeof item['name'] === 'string' ? item['name'] : '';
        if (spec.kind === 'tool' && filter !== undefined && !toolAllowed(filter, name)) continue;
        if (spec.kind === 'tool' && !this.toolGranted(session, server, name)) continue;
        all.push(session.scope.kind === 'all' ? renameItem(spec.kind, server, item) : item);
      }
    }
    return paginate(all, spec.key, params['cursor'], this.pageSize);
  }

  private toolGranted(session: ClientSession, server: string, tool: string): boolean {
    const grant = session.identity.tools;
    return grant === undefined || grant.includes(prefixName(server, tool));
  }

  // --- Routed calls -------------------------------------------------------------------------

  /** Which server and upstream name a client-visible name means. */
  private target(session: ClientSession, name: unknown, what: string): { server: string; name: string } {
    if (typeof name !== 'string' || name === '') throw invalidParams(`${what} name is missing`);
    if (session.scope.kind === 'server') return { server: session.scope.server, name };
    const split = splitName(name);
    if (split === undefined || !this.serversOf(session).includes(split.server)) {
      throw invalidParams(`unknown ${what} ${name}: aggregated names are <server>__<name>`);
    }
    return split;
  }

  private async callTool(session: ClientSession, params: JsonObject, call: CallContext): Promise<JsonObject> {
    const { audit, metrics } = this.options;
    if (audit === undefined && metrics === undefined)
      return this.callResolved(session, this.target(session, params['name'], 'tool'), params, call);
    const started = performance.now();
    const target = typeof params['name'] === 'string' ? params['name'] : '';
    // Resolved once for the call and its record; a name that does not resolve is `unknown`.
    let where: { server: string; name: string } | undefined;
    const record = (outcome: ToolOutcome, error?: MCPError): void => {
      metrics?.toolCall(where?.server ?? 'unknown', where?.name ?? 'unknown', outcome);
      audit?.record({
        who: session.identity.name,
        via: session.transport,
        action: 'tools/call',
        target,
        outcome: outcome === 'rate_limited' ? 'rate-limited' : outcome,
        ...(error === undefined ? {} : { error: `${error.code}: ${error.message}` }),
        durationMs: Math.round(performance.now() - started),
        arguments: params['arguments'],
      });
    };
    try {
      where = this.target(session, params['name'], 'tool');
      const result = await this.callResolved(session, where, params, call);
      record(result['isError'] === true ? 'error' : 'ok');
      return result;
    } catch (error) {
      const failure = toMCPError(error);
      record(
        failure.code === MCPErrorCode.AuthForbidden
          ? 'denied'
          : failure.code === MCPErrorCode.RateLimited
            ? 'rate_limited'
            : 'error',
        failure,
      );
      throw error;
    }
  }

  private async callResolved(
    session: ClientSession,
    { server, name }: { server: string; name: string },
    params: JsonObject,
    call: CallContext,
  ): Promise<JsonObject> {
    const filter = this.directory.get(server)?.tools;
    if (filter !== undefined && !toolAllowed(filter, name)) {
      throw invalidParams(
        `tool ${String(params['name'])} is not exposed (filtered out by the server's tools config)`,
      );
    }
    if (!this.toolGranted(session, server, name)) {
      throw new MCPError(MCPErrorCode.AuthForbidden, `not allowed to call ${prefixName(server, name)}`);
    }
    await this.options.limits?.consume('tool', prefixName(server, name));
    const result = await this.forward(session, server, 'tools/call', { ...params, name }, call);
    return forClient(session, server, result);
  }

  private async byName(
    session: ClientSession,
    method: string,
    params: JsonObject,
    call: CallContext,
  ): Promise<JsonObject> {
    const { server, name } = this.target(session, params['name'], 'prompt');
    const result = await this.forward(session, server, method, { ...params, name }, call);
    return forClient(session, server, result);
  }

  private upstreamUri(session: ClientSession, uri: unknown): { server: string; uri: string } | undefined {
    if (typeof uri !== 'string' || uri === '') return undefined;
    if (session.scope.kind === 'server') return { server: session.scope.server, uri };
    const split = splitUri(uri);
    return split !== undefined && this.serversOf(session).includes(split.server) ? split : undefined;
  }

  private requireUri(session: ClientSession, uri: unknown): { server: string; uri: string } {
    const target = this.upstreamUri(session, uri);
    if (target === undefined) {
      throw new MCPError(
        MCPErrorCode.ResourceNotFound,
        `unknown resource ${JSON.stringify(uri)}: aggregated URIs are mcpman://<server>/<uri>`,
      );
    }
    return target;
  }

  private async readResource(
    session: ClientSession,
    params: JsonObject,
    call: CallContext,
  ): Promise<JsonObject> {
    const { server, uri } = this.requireUri(session, params['uri']);
    const result = await this.forward(session, server, 'resources/read', { ...params, uri }, call);
    return forClient(session, server, result);
  }

  private async subscribe(
    session: ClientSession,
    params: JsonObject,
    call: CallContext,
  ): Promise<JsonObject> {
    const visible = typeof params['uri'] === 'string' ? params['uri'] : '';
    const { server, uri } = this.requireUri(session, params['uri']);
    if (!session.subscriptions.has(visible)) {
      await (await this.upstream(session, server)).subscribe(uri, call, this.timeoutMs);
      session.subscriptions.add(visible);
    }
    return {};
  }

  private async unsubscribe(
    session: ClientSession,
    params: JsonObject,
    call: CallContext,
  ): Promise<JsonObject> {
    const visible = typeof params['uri'] === 'string' ? params['uri'] : '';
    const { server, uri } = this.requireUri(session, params['uri']);
    if (session.subscriptions.delete(visible))
      await (await this.upstream(session, server)).unsubscribe(uri, call, this.timeoutMs);
    return {};
  }

  private async complete(session: ClientSession, params: JsonObject, call: CallContext): Promise<JsonObject> {
    const ref = objectOf(params['ref']);
    if (ref['type'] === 'ref/prompt') {
      const { server, name } = this.target(session, ref['name'], 'prompt');
      return this.forward(session, server, 'completion/complete', { ...params, ref: { ...ref, name } }, call);
    }
    if (ref['type'] === 'ref/resource') {
      const { server, uri } = this.requireUri(session, ref['uri']);
      return this.forward(session, server, 'completion/complete', { ...params, ref: { ...ref, uri } }, call);
    }
    throw invalidParams('completion/complete needs ref of type ref/prompt or ref/resource');
  }

  dispose(): void {
    this.subscription.dispose();
    this.bridge.dispose();
    for (const session of [...this.sessions]) session.close();
  }
}

// --- Helpers ------------------------------------------------------------------------------------

/** Strip 2026-era `_meta` keys a legacy server would not understand (the gateway speaks for the client). */
/** A retry of an InputRequiredResult: its state and answers are checked on the bridged path. */
function hasInputParams(request: JsonRpcRequest): boolean {
  const params = request.params;
  return params !== undefined && ('requestState' in params || 'inputResponses' in params);
}

function forUpstream(params: JsonObject): JsonObject {
  const meta = params['_meta'];
  if (typeof meta !== 'object' || meta === null) return params;
  const kept = Object.fromEntries(
    Object.entries(meta as JsonObject).filter(
      ([key]) =>
        key !== META.protocolVersion &&
        key !== META.clientCapabilities &&
        key !== META.clientInfo &&
        key !== META.logLevel,
    ),
  );
  const { _meta: _dropped, ...rest } = params;
  return Object.keys(kept).length === 0 ? rest : { ...rest, _meta: kept };
}

/** A 2026-07-28 server's result for a legacy client: `resultType` is not part of its revision. */
function forLegacyClient(result: JsonObject): JsonObject {
  if (!('resultType' in result)) return result;
  const { resultType: _type, ...rest } = result;
  return rest;
}

/** Results 2026-07-28 clients may cache carry `ttlMs` and `cacheScope` (SEP-2549). */
const CACHEABLE = new Set([
  'tools/list',
  'prompts/list',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'server/discover',
]);

/**
 * What a 2026-07-28 client expects of every result: its kind (`resultType`) and, where it may be
 * cached, for how long and by whom. Lists can change at any time (subscriptions/listen says when)
 * and can depend on who asks, so: no caching unless the server said otherwise, private scope.
 */
function forModernClient(method: string, result: JsonObject): JsonObject {
  const typed = 'resultType' in result ? result : { resultType: 'complete', ...result };
  if (!CACHEABLE.has(method)) return typed;
  return { ttlMs: 0, cacheScope: 'private', ...typed };
}

function renameItem(
  kind: 'tool' | 'prompt' | 'resource' | 'template',
  server: string,
  item: JsonObject,
): JsonObject {
  switch (kind) {
    case 'tool':
    case 'prompt':
      return { ...item, name: prefixName(server, String(item['name'])) };
    case 'resource':
      return { ...item, uri: prefixUri(server, String(item['uri'])) };
    case 'template':
      return { ...item, uriTemplate: prefixUri(server, String(item['uriTemplate'])) };
  }
}

/** A result with content as the client sees it: on `/mcp`, its resource URIs carry the prefix. */
function forClient(session: ClientSession, server: string, result: JsonObject): JsonObject {
  return session.scope.kind === 'all' ? rewriteUris(result, server) : result;
}

/**
 * Resource URIs inside results (`resource_link` and embedded `resource` content, prompt
 * messages) are the server's own; on `/mcp` they get the prefix that routes them back.
 */
function rewriteUris(result: JsonObject, server: string): JsonObject {
  const rewriteContent = (content: unknown): unknown => {
    if (typeof content !== 'object' || content === null) return content;
    const block = content as JsonObject;
    if (block['type'] === 'resource_link' && typeof block['uri'] === 'string')
      return { ...block, uri: prefixUri(server, block['uri']) };
    if (block['type'] === 'resource') {
      const resource = objectOf(block['resource']);
      if (typeof resource['uri'] === 'string')
        return { ...block, resource: { ...resource, uri: prefixUri(server, resource['uri']) } };
    }
    return content;
  };
  let out = result;
  if (Array.isArray(result['content'])) out = { ...out, content: result['content'].map(rewriteContent) };
  if (Array.isArray(result['contents'])) {
    out = {
      ...out,
      contents: result['contents'].map((c: unknown) => {
        const item = objectOf(c);
        return typeof item['uri'] === 'string' ? { ...item, uri: prefixUri(server, item['uri']) } : c;
      }),
    };
  }
  if (Array.isArray(result['messages'])) {
    out = {
      ...out,
      messages: result['messages'].map((m: unknown) => {
        const message = objectOf(m);
        return 'content' in message ? { ...message, content: rewriteContent(message['content']) } : m;
      }),
    };
  }
  return out;
}

/** One page of a merged list; the cursor is the gateway's own (an offset), opaque to clients. */
export function paginate(
  items: readonly JsonObject[],
  key: string,
  cursor: unknown,
  pageSize: number,
): JsonObject {
  let offset = 0;
  if (cursor !== undefined) {
    const decoded =
      typeof cursor === 'string'
        ? Number(Buffer.from(cursor, 'base64url').toString('utf8').replace(/^o:/, ''))
        : NaN;
    if (
      typeof cursor !== 'string' ||
      !Buffer.from(cursor, 'base64url').toString('utf8').startsWith('o:') ||
      !Number.isInteger(decoded) ||
      decoded < 0
    ) {
      throw invalidParams('invalid cursor');
    }
    offset = decoded;
  }
  const page = items.slice(offset, offset + pageSize);
  const next =
    offset + pageSize < items.length
      ? Buffer.from(`o:${offset + pageSize}`).toString('base64url')
      : undefined;
  return { [key]: page, ...(next === undefined ? {} : { nextCursor: next }) };
}
