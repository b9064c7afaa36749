import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { ServerStatus } from '@mcpman/shared';
import { cliEnv, daemonRecord, mcpman, startForeground, stopManager } from './helpers/cli.js';
import type { ForegroundManager } from './helpers/cli.js';
import { AuthCheckingProxy, HostEverything } from './helpers/remote-server.js';
import { sweep } from './helpers/podman.js';
import { EVERYTHING, Workspace } from './helpers/workspace.js';

const TOKEN = `tok_${randomBytes(12).toString('hex')}`;

async function servers(base: URL): Promise<ServerStatus[]> {
  const response = await fetch(new URL('/api/v1/servers', base));
  return ((await response.json()) as { servers: ServerStatus[] }).servers;
}

async function stateOf(base: URL, name: string): Promise<ServerStatus | undefined> {
  return (await servers(base)).find((server) => server.name === name);
}

async function connect(url: URL): Promise<Client> {
  const client = new Client({ name: 'remote-test', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(url));
  return client;
}

function text(result: unknown): string {
  const content = (result as { content?: { type: string; text?: string }[] }).content ?? [];
  return content.map((part) => part.text ?? '').join('');
}

/**
 * Servers mcpman does not run (`url:`), behind `mcpman gateway`, which needs no Podman: the real
 * server-everything from npm on a host port, once over Streamable HTTP behind a proxy that wants
 * a bearer token (read from a secret file, as a Kubernetes Secret volume holds it), once over
 * legacy SSE; and one whose secret is missing.
 */
describe('url: servers through mcpman gateway', () => {
  const env = cliEnv();
  let workspace: Workspace;
  let streamable: HostEverything;
  let legacy: HostEverything;
  let proxy: AuthCheckingProxy;
  let gateway: ForegroundManager;
  /** What beforeAll started, stopped in reverse even when it failed half-way. */
  const cleanups: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    workspace = await Workspace.create();
    cleanups.push(() => workspace.dispose());
    streamable = await HostEverything.start('streamableHttp');
    cleanups.push(() => streamable.kill());
    legacy = await HostEverything.start('sse');
    cleanups.push(() => legacy.kill());
    proxy = await AuthCheckingProxy.start(streamable.port, `Bearer ${TOKEN}`);
    cleanups.push(() => proxy.close());
    const secrets = workspace.path('secrets');
    await mkdir(secrets);
    // A trailing newline, as `echo` and editors leave it, is not part of the value.
    await writeFile(`${secrets}/docs-token`, `${TOKEN}\n`);
    const fast =
      'health: { interval: 300ms, timeout: 1s, failureThreshold: 1, startupTimeout: 2s }\n    restart: { initialDelay: 100ms, maxDelay: 500ms, maxRetries: 1000 }';
    const config = await workspace.write(
      'mcpman.yaml',
      `version: 1
gateway: { listen: 127.0.0.1:0, grpc: { enabled: false } }
servers:
  docs:
    url: http://127.0.0.1:${proxy.port}/mcp
    headers: { Authorization: "Bearer \${secret:docs-token}" }
    ${fast}
  legacy:
    url: ${legacy.url}
    transport: sse
  locked:
    url: http://127.0.0.1:${proxy.port}/mcp
    headers: { Authorization: "Bearer \${secret:not-there}" }
`,
    );
    gateway = await startForeground(env, ['gateway', '-f', config, '--secrets-dir', secrets]);
    cleanups.push(() => gateway.stop());
    await vi.waitFor(
      async () => {
        const states = Object.fromEntries((await servers(gateway.url)).map((s) => [s.name, s.state]));
        expect(states).toEqual({ docs: 'ready', legacy: 'ready', locked: 'failed' });
      },
      { timeout: 60_000, interval: 200 },
    );
  }, 120_000);

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('aggregates url: servers on /mcp and serves each on /servers/<name>/mcp, with the header from the secret', async () => {
    const all = await connect(new URL('/mcp', gateway.url));
    try {
      const names = (await all.listTools()).tools.map((tool) => tool.name);
      expect(names).toEqual(expect.arrayContaining(['docs__echo', 'legacy__echo']));
      expect(names.some((name) => name.startsWith('locked__'))).toBe(false);
      expect(text(await all.callTool({ name: 'docs__echo', arguments: { message: 'via /mcp' } }))).toBe(
        'Echo: via /mcp',
      );
      expect(text(await all.callTool({ name: 'legacy__echo', arguments: { message: 'over sse' } }))).toBe(
        'Echo: over sse',
      );
    } finally {
      await all.close();
    }
    const one = await connect(new URL('/servers/docs/mcp', gateway.url));
    try {
      expect(text(await one.callTool({ name: 'echo', arguments: { message: 'one' } }))).toBe('Echo: one');
    } finally {
      await one.close();
    }
    // Every request of the docs server carried the token; only the locked one's were refused
    // (it never sent any: its secret is missing, so it did not try).
    expect(proxy.authorized).toBeGreaterThan(3);
    expect(proxy.refused).toBe(0);
  });

  it('reports each url: server with its wire and endpoint, and a missing secret by name and where it belongs', async () => {
    const docs = await stateOf(gateway.url, 'docs');
    expect(docs).toMatchObject({
      transport: 'streamable-http',
      endpoint: `http://127.0.0.1:${proxy.port}/mcp`,
    });
    expect(docs?.containerId).toBeUndefined();
    expect((await stateOf(gateway.url, 'legacy'))?.transport).toBe('sse');
    const locked = await stateOf(gateway.url, 'locked');
    expect(locked?.code).toBe('SECRET_NOT_FOUND');
    expect(locked?.reason).toContain('not-there');
    expect(gateway.output()).not.toContain(TOKEN);
  });

  it('reports a url: server that went away as down, and ready again by itself once it is back', async () => {
    await streamable.kill();
    await vi.waitFor(
      async () => {
        expect((await stateOf(gateway.url, 'docs'))?.state).not.toBe('ready');
      },
      { timeout: 10_000, interval: 100 },
    );
    const all = await connect(new URL('/mcp', gateway.url));
    try {
      const failed = await all.callTool({ name: 'docs__echo', arguments: { message: 'down' } }).then(
        (result) => JSON.stringify(result),
        (error: unknown) => String(error),
      );
      // A clear JSON-RPC error, not a hang: SERVER_NOT_READY's code.
      expect(failed).toMatch(/-32033: server docs is not ready/);
    } finally {
      await all.close();
    }
    await streamable.restart();
    await vi.waitFor(
      async () => {
        expect((await stateOf(gateway.url, 'docs'))?.state).toBe('ready');
      },
      { timeout: 20_000, interval: 100 },
    );
    const again = await connect(new URL('/servers/docs/mcp', gateway.url));
    try {
      expect(text(await again.callTool({ name: 'echo', arguments: { message: 'back' } }))).toBe('Echo: back');
    } finally {
      await again.close();
    }
    expect((await stateOf(gateway.url, 'docs'))?.restarts).toBeGreaterThan(0);
  });

  it('stops on SIGTERM with exit code 0', async () => {
    const config = await workspace.write(
      'other.yaml',
      `version: 1\ngateway: { listen: 127.0.0.1:0, grpc: { enabled: false } }\nservers:\n  legacy: { url: ${legacy.url}, transport: sse }\n`,
    );
    const other = await startForeground(env, [
      'gateway',
      '-f',
      config,
      '--secrets-dir',
      workspace.path('secrets'),
    ]);
    expect(await other.stop()).toBe(0);
  });

  it('refuses a config with a container server, naming it, before anything starts', async () => {
    const config = await workspace.write(
      'mixed.yaml',
      `version: 1\nservers:\n  remote: { url: ${legacy.url}, transport: sse }\n  local: { source: "image:docker.io/library/alpine:3" }\n`,
    );
    const result = await mcpman(env, ['gateway', '-f', config]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'mcpman gateway runs url: servers only; servers.local runs in a container',
    );
    expect(result.stderr).toContain('mcpman up');
  });
});

/**
 * `mcpman up` with a container server and a url: server side by side: the url: server's header
 * comes from a Podman secret (`mcpman secret set`), as every secret under `up` does.
 */
describe('url: servers beside container servers under mcpman up', () => {
  const env = cliEnv();
  const secret = `mcpman-url-${randomBytes(3).toString('hex')}`;
  const token = `tok_${randomBytes(12).toString('hex')}`;
  const cleanups: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    await sweep();
  });

  afterAll(async () => {
    await stopManager(env);
    await mcpman(env, ['secret', 'rm', secret]);
    for (const cleanup of cleanups.reverse()) await cleanup();
    await sweep();
  });

  it('runs both, aggregates both on /mcp, and fills the header from the Podman secret', async () => {
    const workspace = await Workspace.create();
    cleanups.push(() => workspace.dispose());
    const streamable = await HostEverything.start('streamableHttp');
    cleanups.push(() => streamable.kill());
    const proxy = await AuthCheckingProxy.start(streamable.port, `Bearer ${token}`);
    cleanups.push(() => proxy.close());
    expect((await mcpman(env, ['secret', 'set', secret], { input: token })).code).toBe(0);
    const config = await workspace.write(
      'mcpman.yaml',
      `version: 1
gateway: { listen: 127.0.0.1:0, grpc: { enabled: false } }
servers:
  local: { source: "${EVERYTHING}", args: [stdio] }
  remote:
    url: http://127.0.0.1:${proxy.port}/mcp
    headers: { Authorization: "Bearer \${secret:${secret}}" }
`,
    );
    const up = await mcpman(env, ['up', '--detach', '-f', config]);
    expect(up.code, up.stdout + up.stderr).toBe(0);
    expect(up.stdout).toContain('2/2 servers ready');
    const record = await daemonRecord(env, config);
    const client = await connect(new URL('/mcp', record?.url));
    try {
      const names = (await client.listTools()).tools.map((tool) => tool.name);
      expect(names).toEqual(expect.arrayContaining(['local__echo', 'remote__echo']));
      expect(text(await client.callTool({ name: 'remote__echo', arguments: { message: 'r' } }))).toBe(
        'Echo: r',
      );
      expect(text(await client.callTool({ name: 'local__echo', arguments: { message: 'l' } }))).toBe(
        'Echo: l',
      );
    } finally {
      await client.close();
    }
    expect(proxy.authorized).toBeGreaterThan(0);
    expect(proxy.refused).toBe(0);
    const ls = await mcpman(env, ['ls', '-f', config]);
    expect(ls.stdout).toMatch(/remote\s+ready\s+streamable-http/);
  }, 300_000);
});
