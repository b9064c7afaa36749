import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  carriesEnvelope,
  isMCPError,
  MCPErrorCode,
  serverNotFound,
  STATELESS_ERA_VERSION,
} from '@mcpman/protocol';
import { readBody } from '../http/respond.js';
import type { Gateway } from '../pipeline/gateway.js';
import type { Identity, SessionScope } from '../pipeline/session.js';
import { accepts, admitHttp, header } from './http-common.js';
import { refusal, writeError } from '../http/rpc-response.js';
import type { HttpTransportOptions } from './streamable-options.js';
import { SessionEraHttp } from './streamable-session-era.js';
import { StatelessHttp } from './streamable-stateless.js';

export type { HttpTransportOptions } from './streamable-options.js';

/**
 * Streamable HTTP on `/mcp` and `/servers/<name>/mcp`, both protocol eras on one endpoint: the
 * entry reads the POST once and classifies it (a request whose `_meta` or MCP-Protocol-Version
 * header names 2026-07-28 is the stateless era's), then hands it to that era's transport.
 * GET and DELETE exist in the session era only.
 */
export class StreamableHttpTransport {
  private readonly sessionEra: SessionEraHttp;
  private readonly stateless: StatelessHttp;

  constructor(private readonly options: HttpTransportOptions) {
    this.sessionEra = new SessionEraHttp(options);
    this.stateless = new StatelessHttp({
      gateway: options.gateway,
      compression: options.compression,
      heartbeatMs: options.heartbeatMs,
      // Stateless streams are not resumable and never shared.
      maxEvents: options.maxEventsPerStream ?? 1000,
    });
  }

  async handle(req: IncomingMessage, res: ServerResponse, scope: SessionScope): Promise<void> {
    const caller = await admitHttp(req, res, scope, this.options);
    if (caller === undefined) return;
    const { identity } = caller;
    switch (req.method) {
      case 'POST':
        await this.post(req, res, scope, identity);
        return;
      case 'GET':
        await this.sessionEra.get(req, res, scope, identity);
        return;
      case 'DELETE':
        await this.sessionEra.delete(req, res, scope, identity);
        return;
      default:
        res.writeHead(405, { allow: 'GET, POST, DELETE' }).end();
    }
  }

  // --- POST -----------------------------------------------------------------------------------

  private async post(
    req: IncomingMessage,
    res: ServerResponse,
    scope: SessionScope,
    identity: Identity | undefined,
  ): Promise<void> {
    if (!(header(req, 'content-type') ?? '').includes('application/json')) {
      writeError(
        res,
        refusal(
          MCPErrorCode.UnsupportedMediaType,
          'Unsupported Media Type: Content-Type must be application/json',
        ),
      );
      return;
    }
    if (!accepts(req, 'application/json') && !accepts(req, 'text/event-stream')) {
      writeError(
        res,
        refusal(
          MCPErrorCode.NotAcceptable,
          'Not Acceptable: Accept must include application/json or text/event-stream',
        ),
      );
      return;
    }
    let body: unknown;
    try {
      const raw = await readBody(req, this.options.maxRequestBytes);
      body = JSON.parse(raw.toString('utf8'));
    } catch (error) {
      if (isMCPError(error) && error.code === MCPErrorCode.PayloadTooLarge) {
        writeError(res, error);
      } else {
        writeError(res, refusal(MCPErrorCode.ProtocolParseError, 'Parse error: the body is not valid JSON'));
      }
      return;
    }
    const messages: unknown[] = Array.isArray(body) ? body : [body];
    if (messages.length === 0) {
      writeError(res, refusal(MCPErrorCode.ProtocolInvalidRequest, 'Invalid Request: empty batch'));
      return;
    }
    const versionHeader = header(req, 'mcp-protocol-version');
    const stateless =
      messages.some(carriesEnvelope) ||
      (versionHeader !== undefined && versionHeader >= STATELESS_ERA_VERSION);
    if (stateless) await this.stateless.post(req, res, scope, messages, identity);
    else await this.sessionEra.post(req, res, scope, messages, identity);
  }

  close(): void {
    this.sessionEra.close();
  }
}

export function requireServer(gateway: Gateway, name: string): void {
  if (!gateway.hasServer(name)) throw serverNotFound(name);
}
