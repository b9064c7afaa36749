import type { IncomingMessage, ServerResponse } from 'node:http';
import { classifyMessage, isMCPError, MCPErrorCode, sessionNotFound, toMCPError } from '@mcpman/protocol';
import { readBody } from '../http/respond.js';
import { openSse } from '../http/sse.js';
import type { Gateway } from '../pipeline/gateway.js';
import { ClientSession } from '../pipeline/session.js';
import type { SessionScope } from '../pipeline/session.js';
import { admitHttp, rateLimitStatus, traceFields } from './http-common.js';
import { chooseEncoding, refusal, writeError, writeRpcError } from '../http/rpc-response.js';
import type { IdentifyHttp, OriginCheck } from './http-common.js';

export interface LegacySseOptions {
  readonly gateway: Gateway;
  /** The Origin check of the gateway's WebGuard. */
  readonly originAllowed: OriginCheck;
  readonly maxRequestBytes: number;
  readonly heartbeatMs: number;
  readonly compression: boolean;
  readonly identify?: IdentifyHttp;
}

/**
 * The 2024-11-05 HTTP+SSE transport, for older clients: `GET /sse` opens the stream and names,
 * in an `endpoint` event, where to POST messages; every answer comes back on the stream.
 */
export class LegacySseTransport {
  constructor(private readonly options: LegacySseOptions) {}

  /** `GET …/sse`; `messagesPath` is where this stream's client posts (`/messages` or per server). */
  async open(
    req: IncomingMessage,
    res: ServerResponse,
    scope: SessionScope,
    messagesPath: string,
  ): Promise<void> {
    const caller = await admitHttp(req, res, scope, this.options);
    if (caller === undefined) return;
    const session = new ClientSession('sse', scope, caller.identity);
    try {
      this.options.gateway.openSession(session);
    } catch (error) {
      writeError(res, toMCPError(error));
      return;
    }
    const stream = openSse(res, {
      heartbeatMs: this.options.heartbeatMs,
      gzip: chooseEncoding(req, this.options.compression) !== undefined,
    });
    stream.send('endpoint', `${messagesPath}?sessionId=${session.id}`);
    session.attach((message) => {
      stream.send('message', JSON.stringify(message));
    });
    stream.onClose(() => {
      session.close();
    });
  }

  /** `POST …/messages?sessionId=…`: accepted at once; the answer goes out on the stream. */
  async post(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!this.options.originAllowed(req)) {
      writeError(res, refusal(MCPErrorCode.OriginForbidden, 'Forbidden: Origin not allowed'));
      return;
    }
    const id = new URL(req.url ?? '/', 'http://gateway').searchParams.get('sessionId') ?? '';
    const known = this.options.gateway.sessions.find(id, { transport: 'sse' });
    if (known === undefined) {
      writeError(res, sessionNotFound());
      return;
    }
    if (this.options.identify !== undefined) {
      const identity = await this.options.identify(req, res, known.scope);
      if (identity === undefined) return;
      // Only the identity that opened the stream may post into it.
      if (this.options.gateway.sessions.find(id, { transport: 'sse', identity }) === undefined) {
        writeError(res, sessionNotFound());
        return;
      }
    }
    const session = known;
    let message: unknown;
    try {
      message = JSON.parse((await readBody(req, this.options.maxRequestBytes)).toString('utf8'));
    } catch (error) {
      if (isMCPError(error) && error.code === MCPErrorCode.PayloadTooLarge)
        writeRpcError(res, 413, null, error.toJsonRpc());
      else
        writeError(res, refusal(MCPErrorCode.ProtocolParseError, 'Parse error: the body is not valid JSON'));
      return;
    }
    try {
      await this.options.gateway.admit(session, message);
    } catch (error) {
      const classified = classifyMessage(message);
      const id = classified.kind === 'request' ? classified.message.id : null;
      const response = { jsonrpc: '2.0' as const, id, error: toMCPError(error).toJsonRpc() };
      const limited = rateLimitStatus(response);
      writeRpcError(res, limited?.status ?? 500, id, response.error, limited?.headers);
      return;
    }
    res.writeHead(202).end('Accepted');
    const emit = (m: Parameters<ClientSession['push']>[0]): void => {
      session.push(m);
    };
    const response = await this.options.gateway.handle(session, message, {
      emit,
      admitted: true,
      ...traceFields(req),
    });
    if (response !== undefined) session.push(response);
  }

  close(): void {
    this.options.gateway.sessions.closeAll('sse');
  }
}
