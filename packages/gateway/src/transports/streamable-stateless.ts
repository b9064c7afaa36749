import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  Cancellation,
  classifyMessage,
  ERA_HTTP_STATUS,
  MCPError,
  MCPErrorCode,
  metaOf,
  readEnvelope,
  statelessVersionRefusal,
} from '@mcpman/protocol';
import type { JsonObject, JsonRpcRequest } from '@mcpman/protocol';
import type { Gateway } from '../pipeline/gateway.js';
import { onlyLogMessages, statelessSession } from '../pipeline/session.js';
import { decodeParamHeader } from '../pipeline/param-headers.js';
import type { Identity, SessionScope } from '../pipeline/session.js';
import { refusal, writeError, writeJsonBody } from '../http/rpc-response.js';
import { header, rateLimitStatus, traceFields } from './http-common.js';
import { responder } from './streamable-responder.js';
import type { ResponderOptions } from './streamable-responder.js';

/** Methods whose target must be mirrored in `Mcp-Name` (2026-07-28). */
const NAMED_METHODS: Readonly<Record<string, 'name' | 'uri'>> = {
  'tools/call': 'name',
  'prompts/get': 'name',
  'resources/read': 'uri',
};

/**
 * Streamable HTTP on the 2026-07-28 wire: one request per POST, answered on that POST (JSON, or
 * SSE while it streams), nothing kept; closing the stream cancels the request.
 */
export class StatelessHttp {
  constructor(private readonly options: ResponderOptions & { readonly gateway: Gateway }) {}

  async post(
    req: IncomingMessage,
    res: ServerResponse,
    scope: SessionScope,
    messages: unknown[],
    identity: Identity | undefined,
  ): Promise<void> {
    if (messages.length !== 1) {
      writeError(
        res,
        refusal(
          MCPErrorCode.ProtocolInvalidRequest,
          'Invalid Request: 2026-07-28 requests are sent one per POST',
        ),
      );
      return;
    }
    const message = messages[0];
    const classified = classifyMessage(message);
    const id =
      classified.kind === 'request'
        ? classified.message.id
        : classified.kind === 'invalid'
          ? classified.id
          : null;
    const meta = metaOf(message) ?? {};
    const fail = (code: MCPErrorCode, text: string, data?: JsonObject): void => {
      writeError(res, refusal(code, text, data), { id });
    };
    if (classified.kind === 'invalid') {
      fail(MCPErrorCode.ProtocolInvalidRequest, `Invalid Request: ${classified.reason}`);
      return;
    }
    const version = readEnvelope(meta, classified.kind === 'request');
    if (version instanceof MCPError) {
      writeError(res, version, { id });
      return;
    }
    // Headers that disagree with the body are refused before anything in the body is believed.
    const mismatch = headerMismatch(
      req,
      classified.kind === 'response' ? undefined : classified.message,
      version,
    );
    if (mismatch !== undefined) {
      fail(MCPErrorCode.ProtocolHeaderMismatch, `Header mismatch: ${mismatch}`);
      return;
    }
    const unsupported = statelessVersionRefusal(version);
    if (unsupported !== undefined) {
      writeError(res, unsupported, { id });
      return;
    }
    if (classified.kind !== 'request') {
      res.writeHead(202).end();
      return;
    }
    const request = classified.message;
    const session = statelessSession('streamable-http', scope, identity, version, meta);
    this.options.gateway.openSession(session);
    // Closing the response stream is the 2026-07-28 way to cancel a request.
    const cancellation = new Cancellation();
    res.on('close', () => {
      if (!res.writableFinished) cancellation.abort();
    });
    // Stateless streams are not resumable: closing one cancels its request.
    const respond = responder(this.options, req, res, {}, undefined, () => undefined);
    // Log messages for the level this request asked for go with its response.
    session.attach(onlyLogMessages(respond.emit));
    try {
      const response = await this.options.gateway.handle(session, request, {
        emit: respond.emit,
        cancellation,
        ...traceFields(req),
        paramHeaders: (name) => header(req, `mcp-param-${name.toLowerCase()}`),
      });
      if (response === undefined || cancellation.aborted) return;
      const status =
        'error' in response && !respond.streaming
          ? ERA_HTTP_STATUS.stateless[response.error.code]
          : undefined;
      if (status !== undefined) {
        writeJsonBody(res, status, response, undefined);
        return;
      }
      const limited = respond.streaming ? undefined : rateLimitStatus(response);
      if (limited !== undefined) {
        writeJsonBody(res, limited.status, response, undefined, limited.headers);
        return;
      }
      respond.finish([response], false);
    } finally {
      session.close();
    }
  }
}

/** 2026-07-28 header/body mirroring: what is wrong, or undefined when all match. */
function headerMismatch(
  req: IncomingMessage,
  message: JsonRpcRequest | { method: string; params?: JsonObject } | undefined,
  version: string,
): string | undefined {
  const versionHeader = header(req, 'mcp-protocol-version');
  if (versionHeader !== version)
    return `MCP-Protocol-Version header ${JSON.stringify(versionHeader ?? null)} does not match _meta ${version}`;
  if (message === undefined) return undefined;
  const method = header(req, 'mcp-method');
  if (method !== message.method)
    return `Mcp-Method header ${JSON.stringify(method ?? null)} does not match method ${message.method}`;
  const field = NAMED_METHODS[message.method];
  if (field !== undefined) {
    const value = message.params?.[field];
    const raw = header(req, 'mcp-name');
    const name = raw === undefined ? undefined : decodeParamHeader(raw);
    if (name !== value)
      return `Mcp-Name header ${JSON.stringify(name ?? null)} does not match params.${field}`;
  }
  return undefined;
}
