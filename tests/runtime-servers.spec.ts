import { lstat, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { McpRuntime } from '@mcpman/core';
import { RuntimeHarness, resultText } from './helpers/runtime.js';
import { inspect, nodeBaseImage, podman, serverContainers } from './helpers/podman.js';
import { EVERYTHING, FILESYSTEM, MEMORY } from './helpers/workspace.js';

/**
 * The runtime in-process against the real engine, with real servers from the npm registry:
 * health failures, the http transport, and servers other than server-everything.
 */
describe('McpRuntime with real servers', () => {
  let h: RuntimeHarness;
  const start = (yaml: string): Promise<McpRuntime> => h.start(yaml);
  const call = (
    server: string,
    tool: string,
    args: Record<string, unknown>,
  ): Promise<Record<string, unknown>> => h.call(server, tool, args);
  const text = resultText;

  beforeAll(async () => {
    h = await RuntimeHarness.create();
  });

  afterEach(async () => {
    await h.reset();
  });

  afterAll(async () => {
    await h.dispose();
  });

  it('marks a server that never answers the handshake failed, saying why, after its retries', async () => {
    const base = await nodeBaseImage();
    const rt = await start(`  silent:
    source: image:${base}
    entrypoint: [/usr/local/bin/node, -e, "process.stdin.resume(); setInterval(() => {}, 1000)"]
    health: { startupTimeout: 1500ms }
    restart: { maxRetries: 1, initialDelay: 100ms }
`);
    const status = rt.get('silent')!.status();
    expect(status.state).toBe('failed');
    expect(status.reason).toBe(
      'server silent did not complete the MCP handshake within 1500 ms (gave up after 1 restart)',
    );
    expect(status.code).toBe('HEALTH_STARTUP_TIMEOUT');
    const states = h.states('silent').map((e) => e.state);
    expect(states).toEqual(['starting', 'restarting', 'starting', 'failed']);
  });

  it('fails at once, without restarts, when a secret the server needs is not stored', async () => {
    const rt = await start(`  needy:
    source: ${EVERYTHING}
    secrets: { API_TOKEN: mcpman-test-missing-secret }
`);
    expect(rt.get('needy')!.status()).toMatchObject({
      state: 'failed',
      code: 'SECRET_NOT_FOUND',
      reason: 'secret mcpman-test-missing-secret not stored',
      restarts: 0,
    });
    expect(await serverContainers('needy')).toEqual([]);
  });

  it('builds npx servers on the configured images.base: a missing one fails the server, naming it', async () => {
    const missing = 'localhost/mcpman-test-no-such-base:1';
    const rt = await h.start(
      `  everything:
    source: ${EVERYTHING}
    restart: { policy: 'no' }
`,
      `images: { base: ${missing} }\n`,
    );
    const status = rt.get('everything')!.status();
    expect(status.state).toBe('failed');
    expect(status.reason).toContain(missing);
    expect(await serverContainers('everything')).toEqual([]);
  });

  it('reaches an http server on its isolated network, and one on bridge through a loopback port', async () => {
    await start(`  web:
    source: ${EVERYTHING}
    args: [streamableHttp]
    env: { PORT: '3001' }
    transport: { type: http, port: 3001 }
  webbridge:
    source: ${EVERYTHING}
    args: [streamableHttp]
    env: { PORT: '3002' }
    transport: { type: http, port: 3002 }
    securityPolicies: { network: bridge }
`);
    expect(h.runtime!.get('web')!.status().endpoint).toMatch(/^http:\/\/10\.\d+\.\d+\.\d+:3001\/mcp$/);
    expect(h.runtime!.get('webbridge')!.status().endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    expect(text(await call('web', 'echo', { message: 'over http' }))).toBe('Echo: over http');
    expect(text(await call('webbridge', 'echo', { message: 'over bridge' }))).toBe('Echo: over bridge');
    const web = await inspect('mcpman-test-web');
    expect(Object.keys(web.parsed.NetworkSettings.Networks ?? {})).toEqual(['mcpman-test-web-isolated']);
    expect(web.parsed.Config.Labels['io.mcpman.transport']).toBe('http');
  });

  it('carries stdio over host FIFOs when the engine is on this machine, and over attach when told', async () => {
    const yaml = `  everything:
    source: ${EVERYTHING}
`;
    const piped = await start(yaml);
    expect(piped.get('everything')!.status().endpoint).toMatch(/^stdio pipes [0-9a-f]{12}$/);
    expect(text(await call('everything', 'echo', { message: 'through the FIFO' }))).toContain(
      'through the FIFO',
    );
    const dir = join(h.stdioDir, 'mcpman-test-everything');
    expect((await lstat(join(dir, 'stdin'))).isFIFO()).toBe(true);
    const mounts = JSON.parse(
      await podman(
        'inspect',
        '--type',
        'container',
        '--format',
        '{{json .Mounts}}',
        'mcpman-test-everything',
      ),
    ) as { Source: string; Destination: string; RW: boolean }[];
    expect(mounts).toContainEqual(
      expect.objectContaining({ Source: dir, Destination: '/run/mcpman/stdio', RW: false }),
    );
    // Removing the server removes its FIFOs.
    await h.reset();
    expect(await readdir(h.stdioDir)).toEqual([]);

    const attached = await h.start(yaml, '', { stdio: 'attach' });
    expect(attached.get('everything')!.status().endpoint).toMatch(/^stdio attach [0-9a-f]{12}$/);
    expect(text(await call('everything', 'echo', { message: 'through attach' }))).toContain('through attach');
    expect(await readdir(h.stdioDir)).toEqual([]);
  });

  it('runs server-memory: entities written are read back', async () => {
    await start(`  memory:
    source: ${MEMORY}
    env: { MEMORY_FILE_PATH: /tmp/memory.json }
`);
    await call('memory', 'create_entities', {
      entities: [{ name: 'mcpman', entityType: 'project', observations: ['runs MCP servers in Podman'] }],
    });
    const graph = text(await call('memory', 'read_graph', {}));
    expect(graph).toContain('runs MCP servers in Podman');
  });

  it('runs server-filesystem on a folder mounted read-only: reads work, writes are refused', async () => {
    const data = h.workspace.path('shared');
    await mkdir(data, { recursive: true });
    await writeFile(`${data}/hello.txt`, 'hello from the host\n');
    await start(`  files:
    source: ${FILESYSTEM}
    args: [/data]
    securityPolicies:
      mounts: [{ source: shared, target: /data }]
`);
    expect(text(await call('files', 'read_text_file', { path: '/data/hello.txt' }))).toContain(
      'hello from the host',
    );
    expect(text(await call('files', 'list_directory', { path: '/data' }))).toContain('hello.txt');
    const write = await call('files', 'write_file', { path: '/data/new.txt', content: 'x' });
    expect(write['isError']).toBe(true);
    expect(text(write)).toMatch(/read-only file system|EROFS/i);
    const { parsed } = await inspect('mcpman-test-files');
    expect(parsed.HostConfig.ReadonlyRootfs).toBe(true);
  });
});
