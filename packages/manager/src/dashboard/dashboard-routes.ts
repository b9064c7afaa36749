import { createReadStream, existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { CHANGING_API_METHODS, RpcRequestSchema, dispatchRpc } from '@mcpman/shared';
import type { McpManagerApi, RpcResponse } from '@mcpman/shared';
import { readJson, sendJson } from '@mcpman/gateway';
import { decodePathSegment } from '@mcpman/gateway';
import type { Router } from '@mcpman/gateway';
import type { ManagementGuard } from '../api/management-api.js';
import { keyRequired } from '../management-access.js';
import { rpcErrorOf } from './dashboard-service.js';

export interface DashboardRoutesOptions {
  readonly api: McpManagerApi;
  /** The built UI (`packages/ui/dist`); when absent, `/` says how to build it. */
  readonly uiDir: string | undefined;
  readonly maxRequestBytes: number;
  readonly guard: ManagementGuard;
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.json': 'application/json',
};

/**
 * The page may load only its own scripts and styles and talk only to this origin. Images may also
 * come over https: the catalog's icons are https URLs on their publishers' hosts (the registry's
 * schema allows nothing else), fetched with no referrer.
 */
const CSP = `${dashboardCsp("'self'")}; frame-ancestors 'none'`;

/**
 * The dashboard's Content-Security-Policy, with `self` the origin its files come from: the
 * gateway in a browser, the webview's resource server in Podman Desktop (which takes it as a
 * `<meta>` tag, where frame-ancestors does not apply).
 */
export function dashboardCsp(self: string): string {
  return `default-src ${self}; script-src ${self}; style-src ${self} 'unsafe-inline'; img-src ${self} data: https:; font-src ${self} data:; connect-src ${self}; base-uri 'none'; form-action 'none'; object-src 'none'`;
}

/**
 * The browser dashboard: the UI's files at `/` and the typed RPC at `POST /api/v1/rpc` (events
 * come from `/api/v1/events`). The RPC passes the same guard as the rest of `/api/v1`.
 */
export function registerDashboardRoutes(router: Router, options: DashboardRoutesOptions): void {
  router.post('/api/v1/rpc', async (req, res) => {
    // Reading is decided here; changing per method, once the body says which one.
    const who = await options.guard(req, res, false);
    if (who === undefined) return;
    const message = await readJson(req, options.maxRequestBytes);
    const response =
      !who.admin && changesSomething(message)
        ? refusedRpc(message)
        : await dispatchRpc(message, options.api, rpcErrorOf);
    sendJson(res, 200, response, { 'cache-control': 'no-store' });
  });
  const serve = (req: IncomingMessage, res: ServerResponse): Promise<void> =>
    serveFile(req, res, options.uiDir);
  router.get('/', serve);
  router.get('/index.html', serve);
  router.get('/assets/:file', serve);
  router.get('/favicon.svg', serve);
}

function changesSomething(message: unknown): boolean {
  const parsed = RpcRequestSchema.safeParse(message);
  // A malformed request changes nothing: dispatchRpc answers it with the reason.
  return parsed.success && CHANGING_API_METHODS.has(parsed.data.method);
}

function refusedRpc(message: unknown): RpcResponse {
  const id = RpcRequestSchema.parse(message).id;
  return { kind: 'rpc-response', id, ok: false, error: rpcErrorOf(keyRequired()) };
}

async function serveFile(
  req: IncomingMessage,
  res: ServerResponse,
  uiDir: string | undefined,
): Promise<void> {
  if (uiDir === undefined || !existsSync(join(uiDir, 'index.html'))) {
    const body =
      '<!doctype html><title>mcpman</title><p>The dashboard is not built. Run <code>npm run build</code> in the mcpman checkout, then reload.</p>';
    res.writeHead(503, {
      'content-type': 'text/html; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
    return;
  }
  const path = decodePathSegment((req.url ?? '/').split('?')[0] ?? '/');
  if (path === undefined || path.includes('\0')) {
    sendJson(res, 400, { error: { code: 'TRANSPORT_ERROR', message: 'the request path is not valid' } });
    return;
  }
  const relative = path === '/' ? 'index.html' : normalize(path).replace(/^[/\\]+/, '');
  const file = join(uiDir, relative);
  // normalize() already folded `..`; refuse anything that still lands outside the UI folder.
  if (!file.startsWith(uiDir.endsWith(sep) ? uiDir : `${uiDir}${sep}`)) {
    sendJson(res, 404, { error: { code: 'NOT_FOUND', message: 'no such file' } });
    return;
  }
  const info = await stat(file).catch(() => undefined);
  if (info === undefined || !info.isFile()) {
    sendJson(res, 404, { error: { code: 'NOT_FOUND', message: `no such file: ${path}` } });
    return;
  }
  const hashed = relative.startsWith(`assets${sep}`);
  res.writeHead(200, {
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    'content-length': info.size,
    'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
    'x-content-type-options': 'nosniff',
    ...(relative === 'index.html' ? { 'content-security-policy': CSP, 'x-frame-options': 'DENY' } : {}),
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(file).pipe(res);
}
