import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Server as HttpsServer, createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { MCPError, MCPErrorCode } from '@mcpman/core';
import { sendError, sendJson } from './respond.js';
import type { Router } from './router.js';
import { serverTlsOptions } from '../tls/tls-material.js';
import type { TlsMaterial } from '../tls/tls-material.js';

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

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

export interface HttpListenerOptions {
  readonly listen: ListenAddress;
  readonly keepAliveTimeoutMs: number;
  /** Serve HTTPS only (and mTLS when it has a client CA). */
  readonly tls?: TlsMaterial;
  /** Browser origins allowed cross-origin (gateway.cors); CORS is off without it. */
  readonly corsOrigins?: readonly string[];
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

  constructor(
    private readonly router: Router,
    private readonly options: HttpListenerOptions,
  ) {
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
    const cors = this.options.corsOrigins;
    if (cors !== undefined && applyCors(req, res, cors)) return;
    dispatch(this.router, req, res);
  }

  /** Stop accepting, end open connections (streams included), and resolve when closed. */
  close(): Promise<void> {
    return closeServer(this.server);
  }
}

/** Route one request, answering 404/405 for what no route takes. */
export function dispatch(router: Router, req: IncomingMessage, res: ServerResponse): void {
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  const match = router.match(req.method ?? 'GET', path);
  if (match.kind === 'not-found') {
    sendJson(res, 404, { error: { code: 'NOT_FOUND', message: `no route for ${path}` } });
    return;
  }
  if (match.kind === 'method-not-allowed') {
    sendJson(
      res,
      405,
      { error: { code: 'METHOD_NOT_ALLOWED', message: `${req.method ?? ''} is not allowed on ${path}` } },
      { allow: match.allowed.join(', ') },
    );
    return;
  }
  Promise.resolve(match.handler(req, res, match.params)).catch((error: unknown) => {
    sendError(res, error);
  });
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
