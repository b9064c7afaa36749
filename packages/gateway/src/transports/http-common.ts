import type { IncomingMessage, ServerResponse } from 'node:http';
import { MCPErrorCode } from '@mcpman/protocol';
import type { JsonRpcErrorBody, JsonRpcResponse } from '@mcpman/protocol';
import { refusal, writeError } from '../http/rpc-response.js';
import { traceContextOf } from '../pipeline/request-context.js';
import type { TraceContext } from '../pipeline/request-context.js';
import type { Identity, SessionScope } from '../pipeline/session.js';

/**
 * Does a browser's `Origin` name this gateway or an origin the config allows (see WebGuard)?
 * Requests without one (non-browser clients) pass.
 */
export type OriginCheck = (req: IncomingMessage) => boolean;

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
  options: { readonly originAllowed: OriginCheck; readonly identify?: IdentifyHttp },
): Promise<{ readonly identity: Identity | undefined } | undefined> {
  if (!options.originAllowed(req)) {
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

/** The request's W3C trace context, as `RequestContext` takes it (nothing when it has none). */
export function traceFields(req: IncomingMessage): { traceContext?: TraceContext } {
  const traceContext = traceContextOf((name) => header(req, name));
  return traceContext === undefined ? {} : { traceContext };
}
