import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Server as HttpsServer, createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { MCPError, MCPErrorCode } from '@mcpman/protocol';
import { sendError, sendJson } from './respond.js';
import type { Router } from './router.js';
import { serverTlsOptions } from '../tls/tls-material.js';
import type { TlsMaterial } from '../tls/tls-material.js';
import { WebGuard } from './web-guard.js';

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/** `127.0.0.1:7420` or `[::1]:7420`. */
export function parseListen(value: string): ListenAddress {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(value);
  if (match === null) throw new MCPError(MCPErrorCode.ConfigInvalid, `"${value}" is not host:port`);
  return { host: match[1] ?? match[2] ?? '127.0.0.1', port: Number(match[3]) };
}

/** Where gRPC listens, and whether the user chose it (a chosen address is never moved). */
export interface GrpcListen {
  readonly address: ListenAddress;
  readonly chosen: boolean;
}

/**
 * gRPC's address: `--grpc-port`, else gateway.grpc.listen, else the HTTP listener's host on the
 * port after the HTTP one (7421 beside the default 7420). A second manager given only another
 * `gateway.listen` thus gets its own gRPC port; one that is taken all the same moves to a free
 * port (see GrpcTransport.start), because the user never asked for it.
 */
export function grpcListenOf(
  configured: string | undefined,
  http: ListenAddress,
  portOverride?: number,
): GrpcListen {
  if (configured !== undefined) {
    const address = parseListen(configured);
    return {
      address: portOverride === undefined ? address : { ...address, port: portOverride },
      chosen: true,
    };
  }
  if (portOverride !== undefined) return { address: { host: http.host, port: portOverride }, chosen: true };
  const next = http.port === 0 || http.port >= 65535 ? 0 : http.port + 1;
  return { address: { host: http.host, port: next }, chosen: false };
}

export interface HttpListenerOptions {
  readonly listen: ListenAddress;
  readonly keepAliveTimeoutMs: number;
  /** Serve HTTPS only (and mTLS when it has a client CA). */
  readonly tls?: TlsMaterial;
  /** Browser origins allowed cross-origin (gateway.cors); CORS is off without it. */
  readonly corsOrigins?: readonly string[];
  /** Names the gateway answers to besides its loopback ones and its certificate's (gateway.allowedHosts). */
  readonly allowedHosts?: readonly string[];
  /** Origins allowed besides the gateway's own (gateway.allowedOrigins and gateway.cors.origins). */
  readonly allowedOrigins?: readonly string[];
}

const CORS_REQUEST_HEADERS =
  'authorization, content-type, accept, last-event-id, mcp-session-id, mcp-protocol-version, mcp-method, mcp-name';
const CORS_EXPOSED_HEADERS = 'mcp-session-id, mcp-protocol-version, www-authenticate, retry-after';

/**
 * CORS for the configured origins only: their requests get the Access-Control headers and
 * preflights are answered; every other origin gets none (and the transports' Origin check
 * refuses it). Returns true when the request was a preflight and has been answered.
 */
export function applyCors(req: IncomingMessage, res: ServerResponse, origins: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (origin === undefined || !origins.includes(origin)) return false;
  res.setHeader('access-control-allow-origin', origin);
  res.setHeader('vary', 'origin');
  res.setHeader('access-control-expose-headers', CORS_EXPOSED_HEADERS);
  if (req.method !== 'OPTIONS' || req.headers['access-control-request-method'] === undefined) return false;
  res.writeHead(204, {
    'access-control-allow-methods': 'GET, POST, DELETE',
    'access-control-allow-headers': CORS_REQUEST_HEADERS,
    'access-control-max-age': '600',
  });
  res.end();
  return true;
}

/** The gateway's one HTTP listener: every HTTP route is dispatched through the router. */
export class HttpListener {
  private readonly server: Server;
  private address: AddressInfo | undefined;
  /** The Host, Origin and fetch-metadata checks for this listener's address. */
  readonly guard: WebGuard;

  constructor(
    private readonly router: Router,
    private readonly options: HttpListenerOptions,
  ) {
    this.guard = new WebGuard({
      tls: options.tls !== undefined,
      listenHost: options.listen.host,
      port: () => this.address?.port,
      ...(options.allowedHosts === undefined ? {} : { allowedHosts: options.allowedHosts }),
      ...(options.allowedOrigins === undefined ? {} : { allowedOrigins: options.allowedOrigins }),
      ...(options.tls === undefined ? {} : { certificate: options.tls.cert }),
    });
    const handler = (req: IncomingMessage, res: ServerResponse): void => {
      this.dispatch(req, res);
    };
    this.server =
      options.tls === undefined
        ? createServer(handler)
        : createTlsServer(serverTlsOptions(options.tls), handler);
    this.server.keepAliveTimeout = options.keepAliveTimeoutMs;
    this.server.headersTimeout = Math.max(options.keepAliveTimeoutMs + 1_000, 10_000);
  }

  get url(): URL {
    const address = this.address;
    if (address === undefined) throw new MCPError(MCPErrorCode.Internal, 'listener not started');
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return new URL(`${this.options.tls === undefined ? 'http' : 'https'}://${host}:${address.port}`);
  }

  /**
   * Serve new TLS material from the next handshake on; connections already open keep theirs.
   */
  reloadTls(material: TlsMaterial): void {
    if (!(this.server instanceof HttpsServer)) {
      throw new MCPError(MCPErrorCode.Internal, 'this listener was started without TLS');
    }
    this.server.setSecureContext(serverTlsOptions(material));
    this.guard.setCertificate(material.cert);
  }

  /** The underlying server, for upgrade handlers (WebSocket). */
  get raw(): Server {
    return this.server;
  }

  start(): Promise<URL> {
    return new Promise((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException): void => {
        reject(
          new MCPError(
            MCPErrorCode.TransportError,
            error.code === 'EADDRINUSE'
              ? `${this.options.listen.host}:${this.options.listen.port} is already in use`
              : `cannot listen on ${this.options.listen.host}:${this.options.listen.port}: ${error.message}`,
            {
              cause: error,
              hint: 'Choose another port with --port or gateway.listen, or stop what is using it.',
            },
          ),
        );
      };
      this.server.once('error', onError);
      this.server.listen(this.options.listen.port, this.options.listen.host, () => {
        this.server.off('error', onError);
        this.address = this.server.address() as AddressInfo;
        resolve(this.url);
      });
    });
  }

  private dispatch(req: IncomingMessage, res: ServerResponse): void {
    // Before anything else, the UI's files included: after DNS rebinding, a page on another
    // name would be same-origin with every answer here.
    if (!this.guard.hostAllowed(req)) {
      sendError(res, hostRefusal(req));
      return;
    }
    const cors = this.options.corsOrigins;
    if (cors !== undefined && applyCors(req, res, cors)) return;
    dispatch(this.router, req, res);
  }

  /** Stop accepting, end open connections (streams included), and resolve when closed. */
  close(): Promise<void> {
    return closeServer(this.server);
  }
}

/**
 * Route one request, answering 400/404/405 for what no route takes. Nothing a request carries
 * may end the process: whatever a handler throws, synchronously or not, becomes an error answer.
 */
export function dispatch(router: Router, req: IncomingMessage, res: ServerResponse): void {
  try {
    route(router, req, res);
  } catch (error) {
    answerFailure(res, error);
  }
}

function route(router: Router, req: IncomingMessage, res: ServerResponse): void {
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  const match = router.match(req.method ?? 'GET', path);
  switch (match.kind) {
    case 'bad-path':
      sendJson(res, 400, {
        error: {
          code: MCPErrorCode.TransportError,
          message: 'the request path is not valid percent-encoded UTF-8',
        },
      });
      return;
    case 'not-found':
      sendJson(res, 404, { error: { code: 'NOT_FOUND', message: `no route for ${path}` } });
      return;
    case 'method-not-allowed':
      sendJson(
        res,
        405,
        { error: { code: 'METHOD_NOT_ALLOWED', message: `${req.method ?? ''} is not allowed on ${path}` } },
        { allow: match.allowed.join(', ') },
      );
      return;
    case 'found':
      Promise.resolve(match.handler(req, res, match.params)).catch((error: unknown) => {
        answerFailure(res, error);
      });
  }
}

/** An error answer if the response has not started, else the end of it. */
function answerFailure(res: ServerResponse, error: unknown): void {
  try {
    sendError(res, error);
  } catch {
    res.destroy();
  }
}

/** What a request whose Host does not name this gateway gets (HTTP 421 Misdirected Request). */
export function hostRefusal(req: IncomingMessage): MCPError {
  return new MCPError(
    MCPErrorCode.HostForbidden,
    `this gateway does not answer to the host "${String(req.headers.host)}"`,
    {
      hint: 'Use the address mcpman printed (127.0.0.1 or localhost), or list the name in gateway.allowedHosts.',
    },
  );
}

/** Stop accepting, end open connections (streams included), and resolve when closed. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => {
      resolve();
    });
    server.closeAllConnections();
  });
}
