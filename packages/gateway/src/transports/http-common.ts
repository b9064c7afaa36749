import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MCPError, MCPErrorCode } from '@mcpman/core';
import type { JsonRpcErrorBody, JsonRpcId, JsonRpcResponse } from '@mcpman/core';
import { isLoopback } from '../http/listener.js';
import type { Identity, SessionScope } from '../pipeline/session.js';

/** Bodies smaller than this go out uncompressed: compressing them costs more than it saves. */
const COMPRESS_MIN_BYTES = 1024;

/**
 * Browsers send `Origin`; a page on another site must not reach a local gateway through DNS
 * rebinding. No Origin (non-browser clients), loopback origins and configured ones pass.
 */
export function originAllowed(req: IncomingMessage, allowed: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (origin === undefined || origin === '') return true;
  if (allowed.includes(origin)) return true;
  try {
    return isLoopback(new URL(origin).hostname.replace(/^\[|\]$/g, ''));
  } catch {
    return false;
  }
}

/** Who is calling; undefined once a refusal has been written (see HttpAuth). */
export type IdentifyHttp = (
  req: IncomingMessage,
  res: ServerResponse,
  scope: SessionScope,
) => Promise<Identity | undefined>;

/** The caller when no authentication is configured: one object for every such request. */
const UNAUTHENTICATED = Object.freeze({ identity: undefined });

/**
 * The checks every HTTP transport makes before it reads a request: the Origin, then who is
 * calling. Resolves to undefined once a refusal has been written; otherwise to the caller
 * (`identity` undefined when no authentication is configured).
 */
export async function admitHttp(
  req: IncomingMessage,
  res: ServerResponse,
  scope: SessionScope,
  options: { readonly allowedOrigins: readonly string[]; readonly identify?: IdentifyHttp },
): Promise<{ readonly identity: Identity | undefined } | undefined> {
  if (!originAllowed(req, options.allowedOrigins)) {
    writeError(res, refusal(MCPErrorCode.OriginForbidden, 'Forbidden: Origin not allowed'));
    return undefined;
  }
  if (options.identify === undefined) return UNAUTHENTICATED;
  const identity = await options.identify(req, res, scope);
  return identity === undefined ? undefined : { identity };
}

export function accepts(req: IncomingMessage, type: string): boolean {
  const accept = req.headers.accept ?? '*/*';
  return accept.includes(type) || accept.includes('*/*');
}

export type Encoding = 'br' | 'gzip' | undefined;

/** The encoding to use, if compression is on and the client takes one. */
export function chooseEncoding(req: IncomingMessage, enabled: boolean): Encoding {
  if (!enabled) return undefined;
  const header = req.headers['accept-encoding'];
  const value = Array.isArray(header) ? header.join(',') : (header ?? '');
  if (/\bbr\b/.test(value)) return 'br';
  if (/\bgzip\b/.test(value)) return 'gzip';
  return undefined;
}

export function writeJsonBody(
  res: ServerResponse,
  status: number,
  body: unknown,
  encoding: Encoding,
  headers: Readonly<Record<string, string>> = {},
): void {
  let payload: Buffer | string = JSON.stringify(body);
  const extra: Record<string, string> = {};
  if (encoding !== undefined && payload.length >= COMPRESS_MIN_BYTES) {
    payload =
      encoding === 'br'
        ? brotliCompressSync(payload, { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } })
        : gzipSync(payload, { level: 5 });
    extra['content-encoding'] = encoding;
    extra['vary'] = 'accept-encoding';
  }
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
    ...extra,
    ...headers,
  });
  res.end(payload);
}

/** A JSON-RPC error as an HTTP response (transport-level failures). */
export function writeRpcError(
  res: ServerResponse,
  status: number,
  id: JsonRpcId | null,
  error: JsonRpcErrorBody,
  headers: Readonly<Record<string, string>> = {},
): void {
  writeJsonBody(res, status, { jsonrpc: '2.0', id, error }, undefined, headers);
}

/**
 * The one writer of transport-level failures on HTTP: the status and JSON-RPC code both come
 * from the error's code (`core/src/errors/codes.ts`), so a condition reads the same on every
 * transport. `status` overrides the table where a revision of the spec says otherwise.
 */
export function writeError(
  res: ServerResponse,
  error: MCPError,
  options: {
    readonly id?: JsonRpcId | null;
    readonly status?: number;
    readonly headers?: Readonly<Record<string, string>>;
  } = {},
): void {
  writeRpcError(
    res,
    options.status ?? error.httpStatus,
    options.id ?? null,
    error.toJsonRpc(),
    options.headers,
  );
}

/** A transport-level refusal: the code says what it is; the message says it to a person. */
export function refusal(
  code: MCPErrorCode,
  message: string,
  data?: Readonly<Record<string, unknown>>,
): MCPError {
  return new MCPError(code, message, data === undefined ? {} : { data });
}

/** Another client's session, or one that ended: the same answer on every transport. */
export function sessionNotFound(): MCPError {
  return new MCPError(MCPErrorCode.SessionNotFound, 'Session not found', {
    hint: 'Start a new session (initialize again).',
  });
}

export function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** Milliseconds to wait, when `error` is a rate-limit rejection. */
export function retryAfterMsOf(error: JsonRpcErrorBody): number | undefined {
  const data = error.data;
  if (
    typeof data !== 'object' ||
    data === null ||
    !('code' in data) ||
    data.code !== MCPErrorCode.RateLimited
  )
    return undefined;
  const ms = 'retryAfterMs' in data ? data.retryAfterMs : undefined;
  return typeof ms === 'number' ? ms : 1_000;
}

/** HTTP 429 and Retry-After (whole seconds, rounded up) for a rate-limited response. */
export function rateLimitStatus(
  response: JsonRpcResponse | undefined,
): { status: number; headers: Record<string, string> } | undefined {
  if (response === undefined || !('error' in response)) return undefined;
  const ms = retryAfterMsOf(response.error);
  if (ms === undefined) return undefined;
  return { status: 429, headers: { 'retry-after': String(Math.max(1, Math.ceil(ms / 1000))) } };
}
