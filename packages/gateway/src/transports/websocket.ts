import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import { refusal, refuseUpgrade } from '../http/rpc-response.js';
import type { Gateway } from '../pipeline/gateway.js';
import { ClientSession } from '../pipeline/session.js';
import type { Identity, SessionScope } from '../pipeline/session.js';
import { MCPErrorCode, toMCPError } from '@mcpman/protocol';
import { header } from './http-common.js';
import type { OriginCheck } from './http-common.js';
import { traceContextOf } from '../pipeline/request-context.js';
import type { TraceContext } from '../pipeline/request-context.js';
import { serveFrame } from './message-stream.js';

export interface WebSocketOptions {
  readonly gateway: Gateway;
  /** The Origin check of the gateway's WebGuard. */
  readonly originAllowed: OriginCheck;
  readonly maxRequestBytes: number;
  /** Ping interval; a peer that has not answered the previous ping is closed. */
  readonly pingMs: number;
  readonly compression: boolean;
  /** Who is calling; undefined once a refusal has been written to the socket (see HttpAuth). */
  readonly identify?: (
    req: IncomingMessage,
    socket: Duplex,
    scope: SessionScope,
  ) => Promise<Identity | undefined>;
  /**
   * The upgrade's credentials checked again (at every ping): the identity they name now, or
   * undefined once they no longer hold (a revoked token, an expired OAuth token).
   */
  readonly recheck?: (req: IncomingMessage, scope: SessionScope) => Promise<Identity | undefined>;
}

const SUBPROTOCOL = 'mcp';

/**
 * MCP over WebSocket (`/ws`, `/servers/<name>/ws`, subprotocol `mcp`): one JSON-RPC message per
 * text frame, as the SDK's WebSocket client sends them. Each connection is one session.
 */
export class WebSocketTransport {
  private readonly server: WebSocketServer;
  private readonly alive = new WeakMap<WebSocket, boolean>();
  private readonly pinger: NodeJS.Timeout;

  constructor(private readonly options: WebSocketOptions) {
    this.server = new WebSocketServer({
      noServer: true,
      maxPayload: options.maxRequestBytes,
      // ws applies the size threshold only without context takeover; with it, every message
      // (MCP's are mostly small) would go through zlib. Large messages are still compressed.
      perMessageDeflate: options.compression
        ? { threshold: 1024, serverNoContextTakeover: true, clientNoContextTakeover: true }
        : false,
      handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
    });
    this.pinger = setInterval(() => {
      for (const socket of this.server.clients) {
        if (this.alive.get(socket) === false) {
          socket.terminate();
          continue;
        }
        this.alive.set(socket, false);
        socket.ping();
        this.recheck(socket);
      }
    }, options.pingMs);
    this.pinger.unref();
  }

  /** Take over an HTTP upgrade for `scope`. */
  async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, scope: SessionScope): Promise<void> {
    if (!this.options.originAllowed(req)) {
      refuseUpgrade(socket, refusal(MCPErrorCode.OriginForbidden, 'Forbidden: Origin not allowed'));
      return;
    }
    const identity =
      this.options.identify === undefined ? undefined : await this.options.identify(req, socket, scope);
    if (this.options.identify !== undefined && identity === undefined) return;
    const traceContext = traceContextOf((field) => header(req, field));
    // Opened before the upgrade, so a session over the caps is refused as plain HTTP (429).
    const session = new ClientSession('websocket', scope, identity);
    try {
      this.options.gateway.openSession(session);
    } catch (error) {
      refuseUpgrade(socket, toMCPError(error));
      return;
    }
    let upgraded = false;
    // An upgrade ws refuses (a bad key or version) must not leave the session counted.
    socket.once('close', () => {
      if (!upgraded) session.close();
    });
    this.server.handleUpgrade(req, socket, head, (ws) => {
      upgraded = true;
      this.serve(ws, session, traceContext, this.options.recheck === undefined ? undefined : req);
    });
  }

  /** The connection's credentials, for the periodic re-check (only while authentication is on). */
  private readonly credentials = new WeakMap<WebSocket, { req: IncomingMessage; session: ClientSession }>();

  /**
   * A connection is authorized for as long as its credentials hold: a revoked or expired one ends
   * it (1008), narrower grants apply to its next message.
   */
  private recheck(socket: WebSocket): void {
    const held = this.credentials.get(socket);
    const recheck = this.options.recheck;
    if (held === undefined || recheck === undefined) return;
    recheck(held.req, held.session.scope).then(
      (identity) => {
        if (identity === undefined) socket.close(1008, 'credentials no longer valid');
        else held.session.reauthorize(identity);
      },
      () => undefined,
    );
  }

  private serve(
    ws: WebSocket,
    session: ClientSession,
    traceContext: TraceContext | undefined,
    req?: IncomingMessage,
  ): void {
    if (req !== undefined) this.credentials.set(ws, { req, session });
    this.alive.set(ws, true);
    const send = (message: unknown): void => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
    };
    session.attach(send);
    ws.on('pong', () => this.alive.set(ws, true));
    ws.on('message', (data) => {
      this.alive.set(ws, true);
      // Text and binary frames alike carry UTF-8 JSON; ws hands both over as one Buffer.
      serveFrame(this.options.gateway, session, (data as Buffer).toString('utf8'), send, traceContext);
    });
    ws.on('close', () => {
      session.close();
    });
    ws.on('error', () => {
      ws.terminate();
    });
  }

  close(): void {
    clearInterval(this.pinger);
    for (const socket of this.server.clients) socket.terminate();
    this.server.close();
  }
}
