import {
  MCPError,
  MCPErrorCode,
  invalidRequest,
  isMCPError,
  sessionNotFound,
  toMCPError,
} from '@mcpman/protocol';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node';
import { isInitializeRequest } from '@modelcontextprotocol/server';
import type { JSONRPCMessage } from '@modelcontextprotocol/server';

export interface StdioBridgeOptions {
  /** The server's command and arguments, spawned once per MCP session. */
  readonly command: readonly string[];
  readonly host: string;
  readonly port: number;
  /** Path of the MCP endpoint (default /mcp). */
  readonly path?: string;
  /** Sessions (server processes) at once; more initialize requests get 429 (LIMIT_EXCEEDED). */
  readonly maxSessions?: number;
  /**
   * A session with no request for this long and no stream open is ended (default 30 min): a
   * gateway replica that died never says DELETE, and its sessions must not fill the bridge.
   */
  readonly idleTimeoutMs?: number;
  readonly maxBodyBytes?: number;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly log?: (line: string) => void;
}

interface BridgeSession {
  readonly http: NodeStreamableHTTPServerTransport;
  readonly child: StdioClientTransport;
  /** progressToken → the request it belongs to, so progress goes on that request's stream. */
  readonly progress: Map<string | number, string | number>;
  /** Requests (and GET streams) being answered now, and when the last one ended. */
  active: number;
  lastSeen: number;
}

/** A refusal as the gateway writes it: status and JSON-RPC code from the one table (core errors/codes.ts). */
function refuse(res: ServerResponse, error: MCPError): void {
  res.writeHead(error.httpStatus, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: error.toJsonRpc() }));
}

async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new MCPError(MCPErrorCode.PayloadTooLarge, `request body over ${limit} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new MCPError(MCPErrorCode.ProtocolParseError, 'Parse error: the body is not JSON');
  }
}

function progressTokenOf(message: unknown): string | number | undefined {
  const token = (message as { params?: { _meta?: { progressToken?: unknown } } }).params?._meta
    ?.progressToken;
  return typeof token === 'string' || typeof token === 'number' ? token : undefined;
}

/**
 * Serves one stdio MCP server over Streamable HTTP, for a Kubernetes pod: the gateway reaches
 * a stdio server the way it reaches any url: server. Each MCP session (one per gateway replica,
 * or per client with sessionMode per-client) gets its own server process, started on
 * `initialize` and stopped when the session ends, so sessions never share a process's state by
 * accident. Messages are relayed as they are; the SDK's transports own the wire rules.
 */
export class StdioHttpBridge {
  private readonly sessions = new Map<string, BridgeSession>();
  private readonly server: Server;
  private readonly path: string;
  private readonly maxSessions: number;
  private readonly maxBodyBytes: number;
  private readonly idleTimeoutMs: number;
  private readonly sweeper: NodeJS.Timeout;
  private readonly log: (line: string) => void;

  constructor(private readonly options: StdioBridgeOptions) {
    if (options.command.length === 0) throw new Error('stdio-bridge needs the server command after --');
    this.path = options.path ?? '/mcp';
    this.maxSessions = options.maxSessions ?? 16;
    this.maxBodyBytes = options.maxBodyBytes ?? 4 * 1024 * 1024;
    this.idleTimeoutMs = options.idleTimeoutMs ?? 30 * 60_000;
    this.sweeper = setInterval(
      () => {
        this.endIdle();
      },
      Math.min(30_000, Math.max(50, this.idleTimeoutMs / 4)),
    );
    this.sweeper.unref();
    this.log = options.log ?? (() => undefined);
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) refuse(res, toMCPError(error));
        else res.end();
      });
    });
  }

  /** Listens and resolves with the bound port. */
  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => {
        resolve();
      });
    });
    return (this.server.address() as AddressInfo).port;
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    await Promise.all([...this.sessions.keys()].map((id) => this.end(id)));
    this.server.closeAllConnections();
    await new Promise<void>((resolve) =>
      this.server.close(() => {
        resolve();
      }),
    );
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Only the path matters; a request line URL cannot parse (`///`) is a bad request.
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const url = URL.canParse(path, 'http://bridge') ? new URL(path, 'http://bridge') : undefined;
    if (url === undefined) {
      refuse(res, invalidRequest('Invalid Request: the request path is not valid'));
      return;
    }
    if (url.pathname === '/healthz' || url.pathname === '/readyz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    if (url.pathname !== this.path) {
      refuse(
        res,
        new MCPError(
          MCPErrorCode.ProtocolMethodNotFound,
          `no MCP endpoint at ${url.pathname}; it is ${this.path}`,
        ),
      );
      return;
    }
    let body: unknown;
    if (req.method === 'POST') {
      try {
        body = await readJson(req, this.maxBodyBytes);
      } catch (error) {
        if (!isMCPError(error)) throw error;
        refuse(res, error);
        return;
      }
    }
    const id = req.headers['mcp-session-id'];
    if (typeof id === 'string') {
      const session = this.sessions.get(id);
      if (session === undefined) {
        refuse(res, sessionNotFound());
        return;
      }
      await this.answer(session, req, res, body);
      return;
    }
    if (req.method !== 'POST' || !isInitializeRequest(body)) {
      refuse(res, invalidRequest('Bad Request: no session; send initialize first'));
      return;
    }
    if (this.sessions.size >= this.maxSessions) {
      refuse(
        res,
        new MCPError(MCPErrorCode.LimitExceeded, `the bridge holds ${this.maxSessions} sessions, its most`),
      );
      return;
    }
    const session = await this.open();
    await this.answer(session, req, res, body);
  }

  /** Relays one request, counting it as activity until its response (or stream) closes. */
  private async answer(
    session: BridgeSession,
    req: IncomingMessage,
    res: ServerResponse,
    body: unknown,
  ): Promise<void> {
    session.active += 1;
    res.once('close', () => {
      session.active -= 1;
      session.lastSeen = Date.now();
    });
    await session.http.handleRequest(req, res, body);
  }

  private endIdle(): void {
    const now = Date.now();
    for (const [id, session] of this.sessions) {
      if (session.active > 0 || now - session.lastSeen < this.idleTimeoutMs) continue;
      this.log(`session ${id}: idle for ${Math.round((now - session.lastSeen) / 1000)} s`);
      void this.end(id);
    }
  }

  private async open(): Promise<BridgeSession> {
    const [command, ...args] = this.options.command as [string, ...string[]];
    const env = Object.fromEntries(
      Object.entries(this.options.env ?? process.env).filter(
        (entry): entry is [string, string] => entry[1] !== undefined,
      ),
    );
    const child = new StdioClientTransport({ command, args, env, stderr: 'inherit' });
    const progress = new Map<string | number, string | number>();
    const http: NodeStreamableHTTPServerTransport = new NodeStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        this.sessions.set(id, session);
        this.log(`session ${id}: ${command} started`);
      },
      onsessionclosed: (id) => this.end(id),
    });
    const session: BridgeSession = { http, child, progress, active: 0, lastSeen: Date.now() };
    http.onmessage = (message) => {
      const token = progressTokenOf(message);
      const requestId = (message as { id?: unknown }).id;
      if (token !== undefined && (typeof requestId === 'string' || typeof requestId === 'number'))
        progress.set(token, requestId);
      child.send(message).catch((error: unknown) => {
        this.log(`to ${command}: ${(error as Error).message}`);
      });
    };
    child.onmessage = (message) => {
      this.relayToClient(session, message);
    };
    child.onclose = () => {
      // The process is gone: the session is over. The client sees its stream end and opens a new one.
      if (http.sessionId !== undefined) void this.end(http.sessionId);
      else void http.close();
    };
    await child.start();
    return session;
  }

  private relayToClient(session: BridgeSession, message: JSONRPCMessage): void {
    const record = message as { id?: unknown; method?: unknown; result?: unknown; error?: unknown };
    const isResponse = record.method === undefined && ('result' in record || 'error' in record);
    let relatedRequestId: string | number | undefined;
    if (record.method === 'notifications/progress') {
      const token = (message as { params?: { progressToken?: unknown } }).params?.progressToken;
      if (typeof token === 'string' || typeof token === 'number')
        relatedRequestId = session.progress.get(token);
    }
    if (isResponse && (typeof record.id === 'string' || typeof record.id === 'number')) {
      for (const [token, requestId] of session.progress)
        if (requestId === record.id) session.progress.delete(token);
    }
    session.http
      .send(message, relatedRequestId === undefined ? undefined : { relatedRequestId })
      .catch((error: unknown) => {
        this.log(`to the client: ${(error as Error).message}`);
      });
  }

  private async end(id: string): Promise<void> {
    const session = this.sessions.get(id);
    if (session === undefined) return;
    this.sessions.delete(id);
    this.log(`session ${id}: ended`);
    await Promise.allSettled([session.child.close(), session.http.close()]);
  }
}
