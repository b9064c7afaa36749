import { refuseUpgrade, writeError } from './http/rpc-response.js';
import { Tracing } from './tracing/tracing.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { unwatchFile, watchFile } from 'node:fs';
import { join, resolve } from 'node:path';
import { FileTokenStore, missingProtections, rateLimitBackend } from '@mcpman/core';
import {
  defaultStateDir,
  invalidRequest,
  MCPError,
  MCPErrorCode,
  secretRedactor,
  profileNotFound,
  serverNotFound,
  toDisposable,
  toMCPError,
} from '@mcpman/protocol';
import { RedisEventLog, RedisSharedSessions, RedisState, RedisTokenStore } from './state/index.js';
import type { GatewayConfig, TokenStore } from '@mcpman/core';
import type { Disposable, JsonObject } from '@mcpman/protocol';
import type { Implementation } from '@mcpman/shared';
import { AuditLog } from './audit/audit-log.js';
import { Authenticator } from './auth/authenticator.js';
import type { AuthOutcome, Credentials } from './auth/authenticator.js';
import { HttpAuth, METADATA_PATH } from './auth/http-auth.js';
import { RateLimits } from './limits/rate-limits.js';
import { GatewayMetrics } from './metrics/gateway-metrics.js';
import type { MetricsSources } from './metrics/gateway-metrics.js';
import { HttpListener, grpcListenOf, hostRefusal, parseListen } from './http/listener.js';
import { isLoopbackHost } from './http/web-guard.js';
import type { GrpcListen, ListenAddress } from './http/listener.js';
import { sendJson } from './http/respond.js';
import { Router, decodePathSegment } from './http/router.js';
import type { ServerDirectory } from './pipeline/directory.js';
import { Gateway } from './pipeline/gateway.js';
import { mergedScope } from './pipeline/session.js';
import type { SessionScope } from './pipeline/session.js';
import { LegacySseTransport } from './transports/legacy-sse.js';
import { StreamableHttpTransport } from './transports/streamable-http.js';
import { WebSocketTransport } from './transports/websocket.js';
import { GrpcTransport } from './transports/grpc/grpc-transport.js';
import { loadTlsMaterial } from './tls/tls-material.js';
import type { TlsMaterial } from './tls/tls-material.js';

export interface GatewayServerOptions {
  readonly config: GatewayConfig;
  readonly directory: ServerDirectory;
  readonly serverInfo: Implementation;
  /** Overrides gateway.listen (e.g. `mcpman up --port`). */
  readonly listen?: ListenAddress;
  /** Where gRPC listens (e.g. with `mcpman up --grpc-port`); default: grpcListenOf(gateway.grpc.listen, listen). */
  readonly grpcListen?: GrpcListen;
  /** gateway.tls, loaded (see loadTlsMaterial); every listener then speaks TLS only. */
  readonly tls?: TlsMaterial;
  /** Where tokens and the audit log live by default (default: the user's state folder). */
  readonly stateDir?: string;
  /** The API token store (default: gateway.auth.tokensFile, else <stateDir>/tokens.json). */
  readonly tokens?: TokenStore;
  /** Allow a non-loopback listener without TLS and authentication (`--insecure`). */
  readonly insecure?: boolean;
  /** Spans per request; default: OTLP when gateway.tracing.otlp is set, else off. */
  readonly tracing?: Tracing;
  /** `notifications/message` from servers, for the manager's log. */
  readonly onServerMessage?: (server: string, params: JsonObject) => void;
  /** What the manager knows of its servers, for the metrics (states, restarts, container stats). */
  readonly metricsSources?: Omit<MetricsSources, 'sessions'>;
}

/**
 * Safe defaults: a listener beyond loopback needs TLS and authentication, unless the user said
 * `--insecure` (then the caller prints a warning).
 */
export function exposureProblem(
  config: GatewayConfig,
  listens: readonly ListenAddress[],
  tls: boolean,
): string | undefined {
  const exposed = listens.filter((listen) => !isLoopbackHost(listen.host));
  if (exposed.length === 0) return undefined;
  const missing = missingProtections(config, tls);
  if (missing.length === 0) return undefined;
  const where = exposed.map((l) => `${l.host.includes(':') ? `[${l.host}]` : l.host}:${l.port}`);
  return `listening on ${where.join(', ')} beyond loopback without ${missing.join(' and ')}`;
}

/**
 * Every client-facing MCP endpoint: on one HTTP listener Streamable HTTP (`/mcp`,
 * `/servers/<name>/mcp`), legacy SSE (`/sse` + `/messages`, per server too) and WebSocket (`/ws`,
 * per server too); gRPC on its own port. All of them feed the same Gateway. The data path only:
 * the manager (`@mcpman/manager`) mounts the management API and the dashboard on `router`
 * before `start()`.
 */
export class GatewayServer {
  readonly gateway: Gateway;
  private readonly tracing: Tracing;
  readonly http: HttpListener;
  private readonly streamable: StreamableHttpTransport;
  private readonly sse: LegacySseTransport;
  private readonly ws: WebSocketTransport;
  /** Undefined when gateway.grpc.enabled is false. */
  readonly grpc: GrpcTransport | undefined;
  readonly tokens: TokenStore;
  /** The cluster's shared state, with gateway.state: redis. */
  private readonly state: RedisState | undefined;
  private readonly sharedEvents: RedisEventLog | undefined;
  readonly authenticator: Authenticator;
  readonly limits: RateLimits;
  readonly audit: AuditLog | undefined;
  readonly metrics: GatewayMetrics;
  /** Callers must authenticate (tokens, OAuth or client certificates). */
  readonly authOn: boolean;
  /** Authentication on the HTTP listener, for routes mounted on `router` too. */
  readonly httpAuth: HttpAuth;
  /** Routes of the HTTP listener; more may be mounted on it until `start()`. */
  readonly router: Router;
  private tlsWatch: Disposable | undefined;
  private started = false;
  private readonly grpcListen: GrpcListen;

  constructor(private readonly options: GatewayServerOptions) {
    const config = options.config;
    const listen = options.listen ?? parseListen(config.listen);
    const grpcListen = options.grpcListen ?? grpcListenOf(config.grpc.listen, listen);
    this.grpcListen = grpcListen;
    const exposure = exposureProblem(
      config,
      config.grpc.enabled ? [listen, grpcListen.address] : [listen],
      options.tls !== undefined,
    );
    if (exposure !== undefined && options.insecure !== true) {
      throw new MCPError(MCPErrorCode.ConfigInvalid, `refusing to start: ${exposure}`, {
        hint: 'Listen on 127.0.0.1, or configure gateway.tls and gateway.auth; `--insecure` overrides this (not for shared networks).',
      });
    }
    const stateDir = options.stateDir ?? defaultStateDir();
    const redisUrl = config.state.redisUrl;
    // A cluster (gateway.state: redis) keeps tokens and session-era sessions in Redis, so every
    // replica answers alike; otherwise they are this process's (tokens in a file).
    this.state =
      config.state.backend === 'redis' && redisUrl !== undefined
        ? new RedisState({ ...config.state, redisUrl })
        : undefined;
    this.tokens =
      this.state === undefined
        ? (options.tokens ?? new FileTokenStore(config.auth.tokensFile ?? join(stateDir, 'tokens.json')))
        : new RedisTokenStore(this.state);
    this.authenticator = new Authenticator(config.auth, this.tokens);
    const auth = new HttpAuth(this.authenticator);
    this.httpAuth = auth;
    // Without auth and without client certificates everyone is `anonymous`: skip the checks.
    const authOn = this.authenticator.required || options.tls?.clientCa !== undefined;
    this.authOn = authOn;
    this.limits = new RateLimits(config.rateLimit, rateLimitBackend(config));
    this.audit = config.audit.enabled
      ? new AuditLog(
          { ...config.audit, file: config.audit.file ?? join(stateDir, 'audit.log') },
          secretRedactor,
        )
      : undefined;
    this.metrics = new GatewayMetrics({
      sessions: () => this.gateway.sessions.counts(),
      ...options.metricsSources,
    });
    const otlp = config.tracing.otlp;
    this.tracing =
      options.tracing ??
      new Tracing(
        otlp === undefined
          ? {}
          : {
              otlpEndpoint: otlp.endpoint,
              otlpHeaders: otlp.headers,
              serviceVersion: options.serverInfo.version,
            },
      );
    this.gateway = new Gateway({
      directory: options.directory,
      serverInfo: options.serverInfo,
      pageSize: config.pageSize,
      discovery: config.discovery,
      metrics: this.metrics,
      ...(this.tracing.enabled ? { tracing: this.tracing } : {}),
      ...(options.onServerMessage === undefined ? {} : { onServerMessage: options.onServerMessage }),
      ...(this.limits.active ? { limits: this.limits } : {}),
      ...(this.audit === undefined ? {} : { audit: this.audit }),
      sessionIdleMs: config.sessionIdleTimeout,
      sessionLimits: config.sessionLimits,
      ...(this.state === undefined
        ? {}
        : { sharedSessions: new RedisSharedSessions(this.state, config.sessionIdleTimeout) }),
    });
    const identify = authOn
      ? (req: IncomingMessage, res: ServerResponse, scope: SessionScope) => auth.identify(req, res, scope)
      : undefined;
    const common = {
      gateway: this.gateway,
      originAllowed: (req: IncomingMessage) => this.http.guard.originAllowed(req),
      maxRequestBytes: config.maxRequestBytes,
      heartbeatMs: config.keepAlive.sseHeartbeat,
      compression: config.compression,
    };
    const http = { ...common, ...(identify === undefined ? {} : { identify }) };
    this.sharedEvents =
      this.state === undefined ? undefined : new RedisEventLog(this.state, config.sessionIdleTimeout, 1000);
    this.streamable = new StreamableHttpTransport({
      ...http,
      sessionIdleMs: config.sessionIdleTimeout,
      streamsPerSession: config.sessionLimits.streamsPerSession,
      ...(this.sharedEvents === undefined ? {} : { sharedEvents: this.sharedEvents }),
    });
    this.sse = new LegacySseTransport(http);
    this.ws = new WebSocketTransport({
      ...common,
      pingMs: config.keepAlive.wsPing,
      ...(authOn
        ? {
            identify: (req: IncomingMessage, socket: Duplex, scope: SessionScope) =>
              auth.identifyUpgrade(req, socket, scope),
            recheck: async (req: IncomingMessage, scope: SessionScope) => {
              const outcome = await auth.check(req, scope);
              return outcome.ok ? outcome.identity : undefined;
            },
          }
        : {}),
    });

    const router = new Router();
    this.router = router;
    const scoped =
      (handler: (req: IncomingMessage, res: ServerResponse, scope: SessionScope) => Promise<void>) =>
      async (
        req: IncomingMessage,
        res: ServerResponse,
        params: Readonly<Record<string, string>>,
      ): Promise<void> => {
        const name = params['name'];
        const profile = params['profile'];
        const unknown =
          name !== undefined && !this.gateway.hasServer(name)
            ? serverNotFound(name)
            : profile !== undefined && !this.gateway.hasProfile(profile)
              ? profileNotFound(profile)
              : undefined;
        if (unknown !== undefined) {
          // Who may not come in learns nothing, not even which server or profile names exist.
          if (authOn && (await auth.identify(req, res, { kind: 'all' })) === undefined) return;
          writeError(res, unknown);
          return;
        }
        await handler(req, res, name === undefined ? mergedScope(profile) : { kind: 'server', server: name });
      };
    const mcp = scoped((req, res, scope) => this.streamable.handle(req, res, scope));
    for (const method of ['GET', 'POST', 'DELETE']) {
      router.add(method, '/mcp', mcp);
      router.add(method, '/servers/:name/mcp', mcp);
      router.add(method, '/profiles/:profile/mcp', mcp);
    }
    const sse = scoped((req, res, scope) =>
      this.sse.open(req, res, scope, `${endpointBase(scope)}/messages`),
    );
    for (const path of ['/sse', '/servers/:name/sse', '/profiles/:profile/sse']) router.get(path, sse);
    for (const path of ['/messages', '/servers/:name/messages', '/profiles/:profile/messages'])
      router.post(path, (req, res) => this.sse.post(req, res));
    this.registerMetadata(router, auth);
    this.http = new HttpListener(router, {
      listen,
      keepAliveTimeoutMs: config.keepAlive.httpTimeout,
      ...(config.cors === undefined ? {} : { corsOrigins: config.cors.origins }),
      allowedHosts: config.allowedHosts,
      // Origins trusted for CORS are trusted by the Origin check too.
      allowedOrigins: [...config.allowedOrigins, ...(config.cors?.origins ?? [])],
      ...(options.tls === undefined ? {} : { tls: options.tls }),
    });
    this.grpc = config.grpc.enabled
      ? new GrpcTransport({
          gateway: this.gateway,
          listen: grpcListen.address,
          maxRequestBytes: config.maxRequestBytes,
          pingMs: config.keepAlive.grpcPing,
          ...(options.tls === undefined ? {} : { tls: options.tls }),
          ...(authOn
            ? {
                authenticate: async (credentials: Credentials, scope: SessionScope): Promise<AuthOutcome> => {
                  const outcome = await this.authenticator.authenticate(credentials);
                  return outcome.ok ? this.authenticator.checkScope(outcome.identity, scope) : outcome;
                },
              }
            : {}),
        })
      : undefined;
    this.http.raw.on('connection', (socket: Socket) => {
      this.metrics.trackSocket(socket);
    });
    this.http.raw.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      // Nothing an upgrade request carries may end the process.
      this.onUpgrade(req, socket, head).catch(() => {
        refuseUpgrade(socket, invalidRequest('Bad Request: the upgrade request could not be read'));
      });
    });
  }

  /** RFC 9728 protected resource metadata, at the root and per MCP endpoint. */
  private registerMetadata(router: Router, auth: HttpAuth): void {
    const serve =
      (resource: (params: Readonly<Record<string, string>>) => string) =>
      (req: IncomingMessage, res: ServerResponse, params: Readonly<Record<string, string>>): void => {
        sendJson(res, 200, auth.metadata(req, resource(params)), { 'cache-control': 'max-age=300' });
      };
    router.get(
      METADATA_PATH,
      serve(() => ''),
    );
    for (const endpoint of ['mcp', 'sse', 'ws']) {
      router.get(
        `${METADATA_PATH}/${endpoint}`,
        serve(() => `/${endpoint}`),
      );
      router.get(
        `${METADATA_PATH}/servers/:name/${endpoint}`,
        serve((params) => `/servers/${encodeURIComponent(params['name'] ?? '')}/${endpoint}`),
      );
      router.get(
        `${METADATA_PATH}/profiles/:profile/${endpoint}`,
        serve((params) => `/profiles/${encodeURIComponent(params['profile'] ?? '')}/${endpoint}`),
      );
    }
  }

  private async onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy());
    if (!this.http.guard.hostAllowed(req)) {
      refuseUpgrade(socket, hostRefusal(req));
      return;
    }
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const match = /^\/(?:(servers|profiles)\/([^/]+)\/)?ws\/?$/.exec(path);
    const kind = match?.[1];
    const name = match?.[2] === undefined ? undefined : decodePathSegment(match[2]);
    if (match !== null && match[2] !== undefined && name === undefined) {
      refuseUpgrade(
        socket,
        invalidRequest(
          `Bad Request: the ${kind === 'profiles' ? 'profile' : 'server'} name in the path is not valid`,
        ),
      );
      return;
    }
    const refusal =
      match === null
        ? new MCPError(MCPErrorCode.ProtocolMethodNotFound, 'no WebSocket endpoint here')
        : name === undefined
          ? undefined
          : kind === 'profiles'
            ? this.gateway.hasProfile(name)
              ? undefined
              : profileNotFound(name)
            : this.gateway.hasServer(name)
              ? undefined
              : serverNotFound(name);
    if (refusal !== undefined) {
      // As on HTTP: without credentials, no answer says whether a server or profile exists.
      if (this.authOn && (await this.httpAuth.identifyUpgrade(req, socket, { kind: 'all' })) === undefined)
        return;
      refuseUpgrade(socket, refusal);
      return;
    }
    await this.ws.upgrade(
      req,
      socket,
      head,
      name === undefined || kind === 'profiles' ? mergedScope(name) : { kind: 'server', server: name },
    );
  }

  /**
   * Watch the PEM files of `gateway.tls` and serve new material from the next handshake on,
   * without dropping open connections. A change that does not load (missing, expired,
   * mismatched key) is reported and the material in use is kept.
   */
  watchTls(
    tls: NonNullable<GatewayConfig['tls']>,
    baseDir: string,
    report: (event: { ok: boolean; message: string }) => void,
  ): void {
    this.tlsWatch?.dispose();
    const paths = [tls.cert, tls.key, ...(tls.clientCa === undefined ? [] : [tls.clientCa])].map((p) =>
      resolve(baseDir, p),
    );
    let timer: NodeJS.Timeout | undefined;
    const reload = (): void => {
      loadTlsMaterial(tls, baseDir).then(
        (material) => {
          this.http.reloadTls(material);
          this.grpc?.reloadTls(material);
          report({ ok: true, message: `TLS certificate reloaded from ${paths[0] ?? ''}` });
        },
        (error: unknown) => {
          report({
            ok: false,
            message: `TLS files changed but were not loaded: ${toMCPError(error).toDisplayString()}`,
          });
        },
      );
    };
    // Polling survives editors and tools that replace files by rename, where fs.watch loses track.
    const onChange = (): void => {
      clearTimeout(timer);
      timer = setTimeout(reload, 300);
    };
    for (const path of paths) watchFile(path, { interval: 500, persistent: false }, onChange);
    this.tlsWatch = toDisposable(() => {
      clearTimeout(timer);
      for (const path of paths) unwatchFile(path, onChange);
    });
  }

  /** Start every listener; resolves with the HTTP listener's URL. */
  async start(): Promise<URL> {
    const url = await this.http.start();
    this.started = true;
    try {
      // An address nobody chose gives way to a free port rather than fail the start.
      await this.grpc?.start({ orFreePort: !this.grpcListen.chosen });
    } catch (error) {
      await this.http.close();
      const { host, port } = this.grpcListen.address;
      throw new MCPError(
        MCPErrorCode.TransportError,
        `cannot serve gRPC on ${host}:${port}: ${(error as Error).message}`,
        {
          cause: error,
          hint: 'Choose another address with gateway.grpc.listen (or --grpc-port), or set gateway.grpc.enabled: false.',
        },
      );
    }
    return url;
  }

  /** `host:port` of the gRPC listener once started; undefined when gRPC is off. */
  get grpcAddress(): string | undefined {
    const port = this.grpc?.port;
    if (port === undefined) return undefined;
    const { host } = this.grpcListen.address;
    return `${host.includes(':') ? `[${host}]` : host}:${port}`;
  }

  get config(): GatewayConfig {
    return this.options.config;
  }

  /** The HTTP listener's URL once started. */
  get url(): URL | undefined {
    return this.started ? this.http.url : undefined;
  }

  async close(): Promise<void> {
    this.tlsWatch?.dispose();
    await this.gateway.endListens();
    this.streamable.close();
    this.sse.close();
    this.ws.close();
    await this.grpc?.close();
    this.gateway.dispose();
    await this.http.close();
    this.limits.dispose();
    this.sharedEvents?.dispose();
    this.state?.dispose();
    this.metrics.dispose();
    await this.audit?.close();
    await this.tracing.close();
  }
}

/** The path an endpoint's routes hang under: '' for /mcp, else /servers/<name> or /profiles/<name>. */
function endpointBase(scope: SessionScope): string {
  if (scope.kind === 'server') return `/servers/${encodeURIComponent(scope.server)}`;
  return scope.profile === undefined ? '' : `/profiles/${encodeURIComponent(scope.profile)}`;
}
