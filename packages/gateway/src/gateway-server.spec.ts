import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GatewayConfigSchema, toDisposable } from '@mcpman/core';
import { GatewayServer, exposureProblem } from './gateway-server.js';
import type { ServerDirectory } from './pipeline/directory.js';

const EMPTY: ServerDirectory = {
  names: () => [],
  get: () => undefined,
  onStateChange: () => toDisposable(() => undefined),
};

const gatewayConfig = (gateway: unknown): ReturnType<typeof GatewayConfigSchema.parse> =>
  GatewayConfigSchema.parse(gateway);

describe('GatewayServer safe defaults', () => {
  let stateDir: string;
  const servers: GatewayServer[] = [];

  beforeEach(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'mcpman-gw-'));
  });

  afterEach(async () => {
    for (const server of servers.splice(0)) await server.close();
    await rm(stateDir, { recursive: true, force: true });
  });

  const make = (gateway: unknown, insecure = false): GatewayServer => {
    const server = new GatewayServer({
      config: gatewayConfig(gateway),
      directory: EMPTY,
      serverInfo: { name: 'mcpman', version: 'test' },
      stateDir,
      insecure,
    });
    servers.push(server);
    return server;
  };

  it('refuses to listen beyond loopback without TLS and authentication, naming both', () => {
    expect(() => make({ listen: '0.0.0.0:0', grpc: { enabled: false } })).toThrow(
      'refusing to start: listening on 0.0.0.0:0 beyond loopback without TLS (gateway.tls) and authentication',
    );
    expect(() => make({ listen: '127.0.0.1:0', grpc: { listen: '[::]:0' } })).toThrow('[::]:0');
  });

  it('names only what is missing, and allows loopback as it is', () => {
    const config = gatewayConfig({ auth: { mode: 'token' } });
    expect(exposureProblem(config, [{ host: '0.0.0.0', port: 1 }], false)).toMatch(
      /without TLS \(gateway.tls\)$/,
    );
    expect(exposureProblem(config, [{ host: '0.0.0.0', port: 1 }], true)).toBeUndefined();
    expect(exposureProblem(gatewayConfig({}), [{ host: '127.0.0.1', port: 1 }], false)).toBeUndefined();
    expect(exposureProblem(gatewayConfig({}), [{ host: '::1', port: 1 }], false)).toBeUndefined();
  });

  it('starts beyond loopback with --insecure', async () => {
    const server = make({ listen: '0.0.0.0:0', grpc: { enabled: false } }, true);
    const url = await server.start();
    expect(url.hostname).toBe('0.0.0.0');
  });

  it('answers no CORS unless origins are configured, and only for those origins', async () => {
    const plain = make({ listen: '127.0.0.1:0', grpc: { enabled: false } });
    const plainUrl = await plain.start();
    const preflight = (url: URL, origin: string): Promise<Response> =>
      fetch(new URL('/mcp', url), {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST' },
      });
    const off = await preflight(plainUrl, 'https://app.example');
    expect(off.headers.get('access-control-allow-origin')).toBeNull();
    expect(off.status).toBe(405);

    const cors = make({
      listen: '127.0.0.1:0',
      grpc: { enabled: false },
      cors: { origins: ['https://app.example'] },
    });
    const corsUrl = await cors.start();
    const allowed = await preflight(corsUrl, 'https://app.example');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(allowed.headers.get('access-control-allow-headers')).toContain('mcp-session-id');
    const other = await preflight(corsUrl, 'https://evil.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    // A foreign origin is refused outright (no DNS rebinding), the configured one gets through.
    const post = (origin: string): Promise<Response> =>
      fetch(new URL('/mcp', corsUrl), {
        method: 'POST',
        headers: { origin, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
      });
    expect((await post('https://evil.example')).status).toBe(403);
    const ok = await post('https://app.example');
    expect(ok.status).not.toBe(403);
    expect(ok.headers.get('access-control-expose-headers')).toContain('mcp-session-id');
  });
});
