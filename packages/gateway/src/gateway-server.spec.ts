import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GatewayConfigSchema } from '@mcpman/core';
import { MCPError, toDisposable } from '@mcpman/protocol';
import { GatewayServer, exposureProblem } from './gateway-server.js';
import { grpcListenOf } from './http/listener.js';
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

/** Holds a loopback port until released; undefined when it is taken. */
function hold(port: number): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => {
      resolve(undefined);
    });
    server.listen(port, '127.0.0.1', () => {
      resolve(server);
    });
  });
}

const release = (server: Server): Promise<void> =>
  new Promise((resolve) => {
    server.close(() => {
      resolve();
    });
  });

/** `count` consecutive free loopback ports (the first of them), found by trying. */
async function freeRun(count: number): Promise<number> {
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 20_000);
    const held: Server[] = [];
    for (let port = base; port < base + count; port++) {
      const server = await hold(port);
      if (server === undefined) break;
      held.push(server);
    }
    await Promise.all(held.map(release));
    if (held.length === count) return base;
  }
}

describe('where gRPC listens when gateway.grpc.listen is not set', () => {
  let stateDir: string;
  const servers: GatewayServer[] = [];
  const holders: Server[] = [];

  beforeEach(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'mcpman-gw-'));
  });

  afterEach(async () => {
    for (const server of servers.splice(0)) await server.close();
    await Promise.all(holders.splice(0).map(release));
    await rm(stateDir, { recursive: true, force: true });
  });

  const make = (gateway: unknown): GatewayServer => {
    const server = new GatewayServer({
      config: gatewayConfig(gateway),
      directory: EMPTY,
      serverInfo: { name: 'mcpman', version: 'test' },
      stateDir,
    });
    servers.push(server);
    return server;
  };

  it('is the HTTP host on the next port; a chosen address or --grpc-port is kept as given', () => {
    const http = { host: '127.0.0.1', port: 7420 };
    expect(grpcListenOf(undefined, http)).toEqual({
      address: { host: '127.0.0.1', port: 7421 },
      chosen: false,
    });
    expect(grpcListenOf(undefined, { host: '::1', port: 9000 }).address).toEqual({ host: '::1', port: 9001 });
    // An ephemeral HTTP port, or the last port there is, leaves gRPC to the system too.
    expect(grpcListenOf(undefined, { ...http, port: 0 }).address.port).toBe(0);
    expect(grpcListenOf(undefined, { ...http, port: 65535 }).address.port).toBe(0);
    expect(grpcListenOf('0.0.0.0:9443', http)).toEqual({
      address: { host: '0.0.0.0', port: 9443 },
      chosen: true,
    });
    expect(grpcListenOf('127.0.0.1:9443', http, 9500).address.port).toBe(9500);
    expect(grpcListenOf(undefined, http, 9500)).toEqual({
      address: { host: '127.0.0.1', port: 9500 },
      chosen: true,
    });
  });

  it('lets two gateways that differ only in gateway.listen run side by side', async () => {
    const base = await freeRun(4);
    const first = make({ listen: `127.0.0.1:${base}` });
    const second = make({ listen: `127.0.0.1:${base + 2}` });
    await first.start();
    await second.start();
    expect([first.grpcAddress, second.grpcAddress]).toEqual([
      `127.0.0.1:${base + 1}`,
      `127.0.0.1:${base + 3}`,
    ]);
  });

  it('moves to a free port when the next one is taken, and says where', async () => {
    const base = await freeRun(2);
    const squatter = await hold(base + 1);
    holders.push(squatter!);
    const server = make({ listen: `127.0.0.1:${base}` });
    const url = await server.start();
    expect(url.port).toBe(String(base));
    const port = Number(server.grpcAddress?.split(':')[1]);
    expect(port).toBeGreaterThan(0);
    expect(port).not.toBe(base + 1);
  });

  it('fails the start, naming the address and the setting, when a chosen gRPC address is taken', async () => {
    const base = await freeRun(2);
    const squatter = await hold(base + 1);
    holders.push(squatter!);
    const server = make({ listen: `127.0.0.1:${base}`, grpc: { listen: `127.0.0.1:${base + 1}` } });
    const failure = await server.start().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(MCPError);
    expect((failure as MCPError).message).toContain(`cannot serve gRPC on 127.0.0.1:${base + 1}`);
    expect((failure as MCPError).hint).toContain('gateway.grpc.listen');
    // The HTTP listener it had opened is closed again.
    const again = await hold(base);
    expect(again).toBeDefined();
    holders.push(again!);
  });
});
