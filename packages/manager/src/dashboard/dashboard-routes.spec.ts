import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { McpManagerApi } from '@mcpman/shared';
import { HttpListener } from '@mcpman/gateway';
import { Router } from '@mcpman/gateway';
import { ANONYMOUS } from '@mcpman/gateway';
import { registerDashboardRoutes } from './dashboard-routes.js';

/** A raw request, so paths reach the server exactly as written (no client-side normalising). */
function get(
  url: URL,
  path: string,
  body?: string,
): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path,
        method: body === undefined ? 'GET' : 'POST',
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('dashboard routes', () => {
  let root: string;
  let listener: HttpListener;
  let url: URL;
  let allowed = true;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'mcpman-ui-'));
    await mkdir(join(root, 'ui/assets'), { recursive: true });
    await writeFile(join(root, 'ui/index.html'), '<!doctype html><title>dashboard</title>');
    await writeFile(join(root, 'ui/assets/app-1.js'), 'console.log(1)');
    await writeFile(join(root, 'secret.txt'), 'outside the UI folder');
    const router = new Router();
    const api = {
      getOverview: () =>
        Promise.resolve({
          version: 'x',
          configPath: '',
          servers: [],
          figures: {},
          endpoints: {},
          others: [],
          notices: [],
        }),
    };
    registerDashboardRoutes(router, {
      api: api as unknown as McpManagerApi,
      uiDir: join(root, 'ui'),
      maxRequestBytes: 1024,
      guard: (_req, res) => {
        if (allowed) return Promise.resolve(ANONYMOUS);
        res
          .writeHead(401, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: { code: 'AUTH_REQUIRED', message: 'token needed' } }));
        return Promise.resolve(undefined);
      },
    });
    listener = new HttpListener(router, { listen: { host: '127.0.0.1', port: 0 }, keepAliveTimeoutMs: 1000 });
    url = await listener.start();
    allowed = true;
  });

  afterEach(async () => {
    await listener.close();
    await rm(root, { recursive: true, force: true });
  });

  it('serves the page with a strict content security policy, and hashed assets for a year', async () => {
    const page = await get(url, '/');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<title>dashboard</title>');
    expect(page.headers['content-security-policy']).toMatch(/default-src 'self'.*frame-ancestors 'none'/);
    const asset = await get(url, '/assets/app-1.js');
    expect(asset.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(asset.headers['cache-control']).toContain('immutable');
  });

  it('serves nothing outside the UI folder', async () => {
    for (const path of [
      '/assets/..%2f..%2fsecret.txt',
      '/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
      '/assets/..%5c..%5csecret.txt',
    ]) {
      const response = await get(url, path);
      expect(response.status, path).toBe(404);
      expect(response.text).not.toContain('outside the UI folder');
    }
    expect((await get(url, '/assets/missing.js')).status).toBe(404);
  });

  it('answers RPC requests, refuses malformed ones, and passes the guard first', async () => {
    const ok = await get(
      url,
      '/api/v1/rpc',
      JSON.stringify({ kind: 'rpc-request', id: 1, method: 'getOverview', args: [] }),
    );
    expect(JSON.parse(ok.text)).toMatchObject({
      kind: 'rpc-response',
      id: 1,
      ok: true,
      result: { version: 'x' },
    });
    const bad = await get(
      url,
      '/api/v1/rpc',
      JSON.stringify({ kind: 'rpc-request', id: 2, method: 'shutdownEverything', args: [] }),
    );
    expect(JSON.parse(bad.text)).toMatchObject({ id: 2, ok: false, error: { code: 'RPC_INVALID_REQUEST' } });
    allowed = false;
    const refused = await get(
      url,
      '/api/v1/rpc',
      JSON.stringify({ kind: 'rpc-request', id: 3, method: 'getOverview', args: [] }),
    );
    expect(refused.status).toBe(401);
  });
});
