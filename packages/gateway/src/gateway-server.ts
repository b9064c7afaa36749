import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { MCPError, MCPErrorCode } from '@mcpman/core';
import type { GatewayConfig, Implementation } from '@mcpman/core';
import { registerManagementApi } from './api/management-api.js';
import type { ManagementBackend } from './api/management-api.js';
import { ControlSocket } from './http/control-socket.js';
import { HttpListener, parseListen } from './http/listener.js';
import type { ListenAddress } from './http/listener.js';
import { sendJson } from './http/respond.js';
import { Router } from './http/router.js';
import type { ServerDirectory } from './pipeline/directory.js';
import { Gateway } from './pipeline/gateway.js';
import type { SessionScope } from './pipeline/session.js';
import { LegacySseTransport } from './transports/legacy-sse.js';
import { StreamableHttpTransport } from './transports/streamable-http.js';
import { WebSocketTransport } from './transports/websocket.js';
import { GrpcTransport } from './transports/grpc/grpc-transport.js';
import type { TlsMaterial } from './tls/tls-material.js';

export interface GatewayServerOptions {
  readonly config: GatewayConfig;
  readonly directory: ServerDirectory;
  readonly serverInfo: Implementation;
  /** Overrides gateway.listen (e.g. `mcpman up --port`). */
  readonly listen?: ListenAddress;
  /** Overrides gateway.grpc.listen. */
  readonly grpcListen?: ListenAddress;
  /** gateway.tls, loaded (see loadTlsMaterial); every listener then speaks TLS only. */
  readonly tls?: TlsMaterial;
  readonly management?: ManagementBackend;
  /** Also serve the management API on this Unix socket (owner-only), for the CLI. */
  readonly controlSocket?: string;
}

/**
 * Every client-facing endpoint: on one HTTP listener Streamable HTTP (`/mcp`,
 * `/servers/<name>/mcp`), legacy SSE (`/sse` + `/messages`, per server too), WebSocket (`/ws`,
 * per server too) and the management API; gRPC on its own port. All of them feed the same
 * Gateway.
 */
export class GatewayServer {
  readonly gateway: Gateway;
  readonly http: HttpListener;
  private readonly streamable: StreamableHttpTransport;
  private readonly sse: LegacySseTransport;
  private readonly ws: WebSocketTransport;
  private readonly control: ControlSocket | undefined;
  /** Undefined when gateway.grpc.enabled is false. */
  readonly grpc: GrpcTransport | undefined;

  constructor(private readonly options: GatewayServerOptions) {
    const config = options.config;
    this.gateway = new Gateway({
      directory: options.directory,
      serverInfo: options.serverInfo,
      pageSize: config.pageSize,
    });
    const common = {
      gateway: this.gateway,
      allowedOrigins: config.allowedOrigins,
      maxRequestBytes: config.maxRequestBytes,
      heartbeatMs: config.keepAlive.sseHeartbeat,
      compression: config.compression,
    };
    this.streamable = new StreamableHttpTransport({ ...common, sessionIdleMs: config.sessionIdleTimeout });
    this.sse = new LegacySseTransport(common);
    this.ws = new WebSocketTransport({ ...common, pingMs: config.keepAlive.wsPing });

    const router = new Router();
    const scoped =
      (handler: (req: IncomingMessage, res: ServerResponse, scope: SessionScope) => Promise<void>) =>
      async (
        req: IncomingMessage,
        res: ServerResponse,
        params: Readonly<Record<string, string>>,
      ): Promise<void> => {
        const name = params['name'];
        if (name !== undefined && !this.gateway.hasServer(name)) {
          sendJson(res, 404, { error: { code: 'SERVER_NOT_FOUND', message: `no server named "${name}"` } });
          return;
        }
        await handler(req, res, name === undefined ? { kind: 'all' } : { kind: 'server', server: name });
      };
    const mcp = scoped((req, res, scope) => this.streamable.handle(req, res, scope));
    for (const method of ['GET', 'POST', 'DELETE']) {
      router.add(method, '/mcp', mcp);
      router.add(method, '/servers/:name/mcp', mcp);
    }
    router.get(
      '/sse',
      scoped((req, res, scope) => this.sse.open(req, res, scope, '/messages')),
    );
    router.get(
      '/servers/:name/sse',
      scoped((req, res, scope) =>
        this.sse.open(req, res, scope, `/servers/${scope.kind === 'server' ? scope.server : ''}/messages`),
      ),
    );
    router.post('/messages', (req, res) => this.sse.post(req, res));
    router.post('/servers/:name/messages', (req, res) => this.sse.post(req, res));
    if (options.management !== undefined) {
      registerManagementApi(router, options.management, {
        heartbeatMs: config.keepAlive.sseHeartbeat,
        maxRequestBytes: config.maxRequestBytes,
      });
    }
    const listen = options.listen ?? parseListen(config.listen);
    if (options.controlSocket !== undefined && options.management !== undefined) {
      const control = new Router();
      registerManagementApi(control, options.management, {
        heartbeatMs: config.keepAlive.sseHeartbeat,
        maxRequestBytes: config.maxRequestBytes,
      });
      this.control = new ControlSocket(control, options.controlSocket);
    }
    this.http = new HttpListener(router, {
      listen,
      keepAliveTimeoutMs: config.keepAlive.httpTimeout,
      ...(options.tls === undefined ? {} : { tls: options.tls }),
    });
    this.grpc = config.grpc.enabled
      ? new GrpcTransport({
          gateway: this.gateway,
          listen: options.grpcListen ?? parseListen(config.grpc.listen),
          maxRequestBytes: config.maxRequestBytes,
          pingMs: config.keepAlive.grpcPing,
          ...(options.tls === undefined ? {} : { tls: options.tls }),
        })
      : undefined;
    this.http.raw.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      void this.onUpgrade(req, socket, head);
    });
  }

  private async onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const match = /^\/(?:servers\/([^/]+)\/)?ws\/?$/.exec(path);
    const name = match?.[1] === undefined ? undefined : decodeURIComponent(match[1]);
    if (match === null || (name !== undefined && !this.gateway.hasServer(name))) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    await this.ws.upgrade(
      req,
      socket,
      head,
      name === undefined ? { kind: 'all' } : { kind: 'server', server: name },
    );
  }

  /** Start every listener; resolves with the HTTP listener's URL. */
  async start(): Promise<URL> {
    await this.control?.start();
    const url = await this.http.start();
    try {
      await this.grpc?.start();
    } catch (error) {
      await this.http.close();
      await this.control?.close();
      const { host, port } = this.options.grpcListen ?? parseListen(this.options.config.grpc.listen);
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
    const { host } = this.options.grpcListen ?? parseListen(this.options.config.grpc.listen);
    return `${host.includes(':') ? `[${host}]` : host}:${port}`;
  }

  async close(): Promise<void> {
    this.streamable.close();
    this.sse.close();
    this.ws.close();
    await this.grpc?.close();
    this.gateway.dispose();
    await this.http.close();
    await this.control?.close();
  }
}
