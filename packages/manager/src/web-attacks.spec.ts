import { ControlPlane } from './control-plane.js';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import type { OutgoingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { DirectorySecretValues, EventBus, GatewayConfigSchema } from '@mcpman/core';
import { toDisposable } from '@mcpman/protocol';
import type { ManagementBackend } from './api/management-api.js';
import { GatewayServer, exposureProblem } from '@mcpman/gateway';
import type { ServerDirectory } from '@mcpman/gateway';

/*
 * What a web page in the user's browser can do to a gateway on 127.0.0.1 with the default
 * config (auth none): each test sends the attack as a browser would and checks that it fails.
 */

const EMPTY: ServerDirectory = {
  names: () => [],
  get: () => undefined,
  onStateChange: () => toDisposable(() => undefined),
};

interface Answer {
  readonly status: number;
  readonly headers: Record<string, unknown>;
  readonly text: string;
}

/** A raw request: headers and path exactly as written (a browser's, or an attacker's). */
function send(
  base: URL | { socketPath: string },
  method: string,
  path: string,
  headers: OutgoingHttpHeaders = {},
  body?: string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const target =
      'socketPath' in base ? { socketPath: base.socketPath } : { host: base.hostname, port: base.port };
    const req = request({ ...target, method, path, headers }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The request from the security review: a root container that mounts `/` read-write. */
const HOSTILE_SAVE = JSON.stringify({
  kind: 'rpc-request',
  id: 1,
  method: 'saveServer',
  args: [
    'x',
    {
      source: 'image:docker.io/library/alpine',
      securityPolicies: {
        user: '0',
        allowRoot: true,
        mounts: [{ source: '/', target: '/host', readOnly: false }],
      },
    },
    { create: true },
  ],
});

/** What happens to a WebSocket upgrade: the status the gateway answered, or 101. */
function upgrade(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, 'mcp', { headers });
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
    });
    ws.on('error', () => undefined);
  });
}

describe('a web page against the gateway (auth none, loopback)', () => {
  let dir: string;
  let configPath: string;
  let server: GatewayServer;
  let control: ControlPlane;
  let base: URL;
  let port: string;
  let reloads = 0;
  const CONFIG = 'version: 1\nservers: {}\n';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mcpman-web-'));
    configPath = join(dir, 'mcpman.yaml');
    await writeFile(configPath, CONFIG);
    const backend: ManagementBackend = {
      bus: new EventBus(),
      info: () => ({ version: 't', pid: 1, configPath, startedAt: 0, engineSocket: '' }),
      servers: () => [],
      applied: () => true,
      server: () => undefined,
      restart: () => Promise.resolve(),
      reload: () => {
        reloads += 1;
        return Promise.resolve();
      },
      shutdown: () => undefined,
    };
    server = new GatewayServer({
      config: GatewayConfigSchema.parse({ listen: '127.0.0.1:0', grpc: { enabled: false } }),
      directory: EMPTY,
      serverInfo: { name: 'mcpman', version: 'test' },
      stateDir: dir,
    });
    control = new ControlPlane(server, {
      management: backend,
      controlSocket: join(dir, 'control.sock'),
      dashboard: { configPath, secrets: new DirectorySecretValues(join(dir, 'secrets')) },
    });
    await control.start();
    base = await server.start();
    port = base.port;
  });

  afterAll(async () => {
    await server.close();
    await control.close();
    await rm(dir, { recursive: true, force: true });
  });

  const unchanged = async (): Promise<void> => {
    expect(await readFile(configPath, 'utf8')).toBe(CONFIG);
    expect(reloads).toBe(0);
  };

  it('refuses a page on a 127.-prefixed name driving the RPC with a simple (text/plain) request', async () => {
    for (const origin of [
      'http://127.x.attacker.example',
      `https://127.0.0.1.evil.example:${port}`,
      `http://127.0.0.1.nip.io:${port}`,
      'null',
    ]) {
      const answer = await send(
        base,
        'POST',
        '/api/v1/rpc',
        { origin, 'content-type': 'text/plain;charset=UTF-8', 'sec-fetch-site': 'cross-site' },
        HOSTILE_SAVE,
      );
      expect(answer.status, origin).toBe(403);
    }
    await unchanged();
  });

  it('refuses a non-JSON body even without Origin, and cross-site fetch metadata', async () => {
    const plain = await send(base, 'POST', '/api/v1/rpc', { 'content-type': 'text/plain' }, HOSTILE_SAVE);
    expect(plain.status).toBe(415);
    const form = await send(
      base,
      'POST',
      '/api/v1/reload',
      { 'content-type': 'application/x-www-form-urlencoded' },
      'a=b',
    );
    expect(form.status).toBe(415);
    for (const site of ['cross-site', 'same-site']) {
      const read = await send(base, 'GET', '/api/v1/servers', { 'sec-fetch-site': site });
      expect(read.status, site).toBe(403);
    }
    await unchanged();
  });

  it('refuses every origin but the gateway’s own, exactly (scheme, host, port)', async () => {
    const rpc = (origin: string): Promise<Answer> =>
      send(
        base,
        'POST',
        '/api/v1/rpc',
        { origin, 'content-type': 'application/json' },
        JSON.stringify({ kind: 'rpc-request', id: 2, method: 'getOverview', args: [] }),
      );
    expect((await rpc(`http://127.0.0.1:${port}`)).status).toBe(200);
    expect((await rpc(`http://localhost:${port}`)).status).toBe(200);
    expect((await rpc(`http://[::1]:${port}`)).status).toBe(200);
    expect((await rpc(`http://127.0.0.1:${Number(port) + 1}`)).status).toBe(403);
    expect((await rpc(`https://127.0.0.1:${port}`)).status).toBe(403);
    expect((await rpc('http://localhost:3000')).status).toBe(403);
  });

  it('without a key, the dashboard RPC reads but changes nothing; with the run’s key it changes', async () => {
    const headers = { origin: `http://127.0.0.1:${port}`, 'content-type': 'application/json' };
    const read = await send(
      base,
      'POST',
      '/api/v1/rpc',
      headers,
      JSON.stringify({ kind: 'rpc-request', id: 3, method: 'getOverview', args: [] }),
    );
    expect(JSON.parse(read.text)).toMatchObject({ ok: true });
    const refused = await send(base, 'POST', '/api/v1/rpc', headers, HOSTILE_SAVE);
    expect(JSON.parse(refused.text)).toMatchObject({ ok: false, error: { code: 'AUTH_REQUIRED' } });
    const stop = await send(
      base,
      'POST',
      '/api/v1/rpc',
      { ...headers, 'sec-fetch-site': 'same-origin' },
      JSON.stringify({ kind: 'rpc-request', id: 5, method: 'stopServer', args: ['alpha'] }),
    );
    expect(JSON.parse(stop.text)).toMatchObject({ ok: false, error: { code: 'AUTH_REQUIRED' } });
    const reload = await send(base, 'POST', '/api/v1/reload', headers, '{}');
    expect(reload.status).toBe(401);
    const wrongKey = await send(
      base,
      'POST',
      '/api/v1/reload',
      { ...headers, authorization: `Bearer ${'A'.repeat(43)}` },
      '{}',
    );
    expect(wrongKey.status).toBe(401);
    await unchanged();

    // The owner gets the key over the control socket, and only there.
    const overTcp = await send(base, 'GET', '/api/v1/dashboard');
    expect(overTcp.status).toBe(404);
    const owner = await send({ socketPath: join(dir, 'control.sock') }, 'GET', '/api/v1/dashboard');
    const url = new URL((JSON.parse(owner.text) as { url: string }).url);
    const key = /^#key=(.+)$/.exec(url.hash)?.[1] ?? '';
    expect(key).toHaveLength(43);
    const allowed = await send(
      base,
      'POST',
      '/api/v1/rpc',
      { ...headers, authorization: `Bearer ${key}` },
      JSON.stringify({
        kind: 'rpc-request',
        id: 4,
        method: 'saveServer',
        args: ['memory', { source: 'npx://@modelcontextprotocol/server-memory@2026.1.26' }, { create: true }],
      }),
    );
    expect(JSON.parse(allowed.text)).toMatchObject({ ok: true });
    expect(await readFile(configPath, 'utf8')).toContain('server-memory');
    await writeFile(configPath, CONFIG);
    reloads = 0;
  });

  it('refuses a WebSocket from a foreign page, so it cannot list or call tools', async () => {
    const ws = `ws://127.0.0.1:${port}/ws`;
    expect(await upgrade(ws, { origin: 'http://127.x.attacker.example' })).toBe(403);
    expect(await upgrade(ws, { origin: `http://127.0.0.1.evil.example:${port}` })).toBe(403);
    expect(await upgrade(ws, { origin: `http://127.0.0.1:${port}` })).toBe(101);
    expect(await upgrade(ws, {})).toBe(101);
  });

  it('answers nothing to a DNS-rebound page (a Host that is not the gateway’s)', async () => {
    const rebound = { host: `rebind.attacker.example:${port}` };
    for (const path of [
      '/',
      '/api/v1/events',
      '/api/v1/servers',
      '/api/v1/info',
      '/metrics',
      '/readyz',
      '/mcp',
    ]) {
      const answer = await send(base, 'GET', path, rebound);
      expect(answer.status, path).toBe(421);
      expect(answer.text).toContain('HOST_FORBIDDEN');
    }
    expect(await upgrade(`ws://127.0.0.1:${port}/ws`, rebound)).toBe(421);
    expect((await send(base, 'GET', '/api/v1/servers', { host: `localhost:${port}` })).status).toBe(200);
    expect((await send(base, 'GET', '/api/v1/servers', { host: `127.0.0.1:${port}` })).status).toBe(200);
    expect((await send(base, 'GET', '/api/v1/servers', { host: `[::1]:${port}` })).status).toBe(200);
    // Loopback on another port is not this listener.
    expect((await send(base, 'GET', '/api/v1/servers', { host: '127.0.0.1:1' })).status).toBe(421);
  });

  it('survives malformed escapes in every path and upgrade, answering 400', async () => {
    for (const path of [
      '/servers/%E0/mcp',
      '/servers/%E0/sse',
      '/assets/%E0',
      '/api/v1/servers/%E0',
      '/api/v1/servers/%/restart',
      '/.well-known/oauth-protected-resource/servers/%E0/mcp',
    ]) {
      const method = path.endsWith('restart') ? 'POST' : 'GET';
      const answer =
        method === 'POST'
          ? await send(base, method, path, { 'content-type': 'application/json' }, '{}')
          : await send(base, method, path);
      expect(answer.status, path).toBe(400);
    }
    expect(await upgrade(`ws://127.0.0.1:${port}/servers/%E0/ws`, {})).toBe(400);
    expect((await send(base, 'GET', '/healthz')).status).toBe(200);
  });
});

describe('what counts as loopback', () => {
  it('needs TLS and auth for a listen name that merely starts with 127.', () => {
    const config = GatewayConfigSchema.parse({});
    expect(exposureProblem(config, [{ host: '127.foo.example', port: 7420 }], false)).toMatch(
      /beyond loopback without TLS/,
    );
    expect(exposureProblem(config, [{ host: '127.0.0.2', port: 7420 }], false)).toBeUndefined();
    expect(exposureProblem(config, [{ host: 'localhost', port: 7420 }], false)).toBeUndefined();
  });
});
