import { existsSync } from 'node:fs';
import { readFile, readdir, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { loadConfigFile } from '@mcpman/core';
import { startLocalRegistry } from '../packages/integrations/src/catalog/testing/local-registry.js';
import type { LocalRegistry } from '../packages/integrations/src/catalog/testing/local-registry.js';
import { cliEnv, daemonRecord, mcpman, statusJson, stopManager } from './helpers/cli.js';
import { inspect, podman, serverContainers, sweep } from './helpers/podman.js';
import {
  CLOCK_PACKAGE,
  CLOCK_VERSION,
  HOSTILE_MARKER,
  HOSTILE_PACKAGE,
  clockWheels,
  startPypiIndex,
} from './helpers/pypi-index.js';
import type { PypiIndex } from './helpers/pypi-index.js';
import { KubePlay, manifests } from './helpers/kube.js';
import { Workspace } from './helpers/workspace.js';

const SECRET = `mcpman-pypi-${randomBytes(3).toString('hex')}`;
const TOKEN = 'a-clock-token-of-27-letters';
const CLOCK = 'io.github.mcpman-tests/clock';

const HOSTILE = 'io.github.mcpman-tests/hostile';

/** A registry document for the test server, published on `index` (not PyPI: a private index). */
function clockDocument(index: PypiIndex, name = CLOCK, identifier = CLOCK_PACKAGE): Record<string, unknown> {
  return {
    name,
    description: 'A small MCP server on the official Python SDK',
    version: CLOCK_VERSION,
    packages: [
      {
        registryType: 'pypi',
        registryBaseUrl: index.simpleUrl.replace(/\/simple\/$/, ''),
        identifier,
        version: CLOCK_VERSION,
        transport: { type: 'stdio' },
        environmentVariables: [
          { name: 'CLOCK_TOKEN', description: 'A token', isRequired: true, isSecret: true },
        ],
      },
    ],
  };
}

/**
 * pypi:// servers for real: a package index on loopback (PEP 503) serves the wheel of a small
 * server on the official MCP Python SDK and the SDK's own wheels; `mcpman add` takes the server
 * from a registry document, `up` builds the Python base from this machine's interpreter and the
 * server's image with pip, and a client calls its tools through the gateway.
 */
describe('PyPI servers (pypi://)', () => {
  const env = cliEnv();
  let workspace: Workspace;
  let index: PypiIndex;
  let registry: LocalRegistry;
  let config: string;

  beforeAll(async () => {
    await sweep();
    workspace = await Workspace.create();
    index = await startPypiIndex(await clockWheels());
    registry = await startLocalRegistry([
      clockDocument(index),
      clockDocument(index, HOSTILE, HOSTILE_PACKAGE),
    ]);
    config = await workspace.write('mcpman.yaml', `version: 1\nregistries: [${registry.url}]\nservers: {}\n`);
    env['XDG_CACHE_HOME'] = workspace.path('cache');
  }, 300_000);

  afterAll(async () => {
    await stopManager(env);
    await mcpman(env, ['secret', 'rm', SECRET]).catch(() => undefined);
    await registry.close();
    await index.close();
    await sweep();
    await workspace.dispose();
  });

  it('refuses a PyPI package no index here has, saying what is missing, with the config untouched', async () => {
    const before = await readFile(config, 'utf8');
    const missing: Record<string, unknown> = {
      ...clockDocument(index),
      name: 'io.github.mcpman-tests/nowhere',
    };
    const packages = missing['packages'] as Record<string, unknown>[];
    missing['packages'] = [{ ...packages[0], identifier: 'mcpman-test-nowhere' }];
    const other = await startLocalRegistry([missing]);
    try {
      const add = (...extra: string[]): ReturnType<typeof mcpman> =>
        mcpman(env, [
          'add',
          'io.github.mcpman-tests/nowhere',
          '--registry',
          other.url,
          '--secret',
          `CLOCK_TOKEN=${SECRET}`,
          ...extra,
          '-f',
          config,
        ]);
      // The document chose the index: nothing is asked of it until the user says they trust it.
      const untrusted = await add();
      expect(untrusted.code).toBe(1);
      expect(untrusted.stderr).toContain(
        `from ${index.simpleUrl}, a package index the registry document chose instead of PyPI`,
      );
      expect(untrusted.stderr).toContain('--trust-index');
      expect(index.requests).not.toContain('/simple/mcpman-test-nowhere/');
      const result = await add('--trust-index');
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/CATALOG_UNSUPPORTED: .*PyPI package \(mcpman-test-nowhere\)/);
      expect(result.stderr).toContain(`the package index ${index.simpleUrl}`);
      expect(result.stderr).toMatch(/No matching distribution|could not find/i);
      expect(index.requests).toContain('/simple/mcpman-test-nowhere/');
    } finally {
      await other.close();
    }
    await expect(readFile(config, 'utf8')).resolves.toBe(before);
  });

  it('adds a PyPI server from its registry document and runs it hardened, its secret from Podman', async () => {
    const secret = await mcpman(env, ['secret', 'set', SECRET], { input: TOKEN });
    expect(secret.code, secret.stderr).toBe(0);
    const add = await mcpman(
      env,
      ['add', CLOCK, '--trust-index', '--secret', `CLOCK_TOKEN=${SECRET}`, '-f', config],
      { cwd: workspace.dir },
    );
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout).toContain(`pypi://${CLOCK_PACKAGE}@${CLOCK_VERSION}`);
    const entry = (await loadConfigFile(config)).config.servers['clock'];
    expect(entry?.source).toEqual({
      type: 'pypi',
      package: CLOCK_PACKAGE,
      version: CLOCK_VERSION,
      index: index.simpleUrl,
    });
    expect(entry?.secrets).toEqual({ CLOCK_TOKEN: SECRET });

    const up = await mcpman(env, ['up', '--detach', '-f', config], {
      cwd: workspace.dir,
      timeoutMs: 600_000,
    });
    expect(up.code, `${up.stdout}\n${up.stderr}`).toBe(0);
    const status = await statusJson(env);
    expect(status.servers.map((s) => [s.name, s.state])).toEqual([['clock', 'ready']]);
    // Installed from the index the document names, and nothing asked of PyPI itself.
    expect(index.requests).toContain(`/simple/${CLOCK_PACKAGE}/`);

    const [running] = await serverContainers('clock');
    const { parsed: container, raw } = await inspect(running?.id ?? 'missing');
    expect(container.HostConfig.ReadonlyRootfs).toBe(true);
    expect(container.EffectiveCaps ?? []).toEqual([]);
    expect(container.Config.User).toBe('1000:1000');
    expect(raw).not.toContain(TOKEN);
    const source = await podman(
      'image',
      'inspect',
      '--format',
      '{{index .Labels "io.mcpman.source"}}',
      container.Image,
    );
    expect(source.trim()).toBe(`pypi://${CLOCK_PACKAGE}@${CLOCK_VERSION}`);

    const record = await daemonRecord(env, config);
    const client = new Client({ name: 'pypi-test', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', record?.url)));
    try {
      const sum = await client.callTool({ name: 'clock__add', arguments: { a: 2, b: 40 } });
      expect(JSON.stringify(sum.content)).toContain('42');
      const length = await client.callTool({ name: 'clock__secret_length', arguments: {} });
      expect(JSON.stringify(length.content)).toContain(String(TOKEN.length));
    } finally {
      await client.close();
    }
  }, 900_000);

  it('exports to Kubernetes: the pod runs the PyPI server behind the stdio bridge', async () => {
    // The same server without its secret: podman kube play has no Kubernetes Secrets to read.
    const plain = await workspace.write(
      'k8s.yaml',
      `version: 1\nservers:\n  clock:\n    source: { pypi: ${CLOCK_PACKAGE}@${CLOCK_VERSION}, index: ${index.simpleUrl} }\n`,
    );
    const exported = await mcpman(env, ['export', 'k8s', '-f', plain, '-o', workspace.path('k8s')], {
      timeoutMs: 600_000,
    });
    expect(exported.code, exported.stderr).toBe(0);
    const files = (await readdir(workspace.path('k8s'))).filter((file) => file.startsWith('server-'));
    expect(files).toEqual(['server-clock.yaml']);
    const objects = await manifests(workspace.path('k8s'), files);
    const deployment = objects.find((object) => object['kind'] === 'Deployment') as {
      metadata: { name: string };
      spec: { template: { spec: { containers: { ports: { containerPort: number }[] }[] } } };
    };
    const port = deployment.spec.template.spec.containers[0]?.ports[0]?.containerPort;
    const kube = new KubePlay(workspace.dir);
    try {
      await kube.play(objects);
      const address = await kube.address(deployment.metadata.name);
      const client = new Client({ name: 'pypi-pod', version: '1' });
      await vi.waitFor(
        () => client.connect(new StreamableHTTPClientTransport(new URL(`http://${address}:${port}/mcp`))),
        { timeout: 60_000, interval: 500 },
      );
      try {
        const sum = await client.callTool({ name: 'add', arguments: { a: 20, b: 22 } });
        expect(JSON.stringify(sum.content)).toContain('42');
      } finally {
        await client.close();
      }
    } finally {
      await kube.cleanup();
    }
  }, 600_000);

  it('never runs a package’s code on the host: a wheel’s sitecustomize.py stays inside the container', async () => {
    await rm(HOSTILE_MARKER, { force: true });
    const add = await mcpman(
      env,
      ['add', HOSTILE, '--trust-index', '--secret', `CLOCK_TOKEN=${SECRET}`, '-f', config],
      { cwd: workspace.dir },
    );
    expect(add.code, add.stderr).toBe(0);
    // The running manager builds the image (pip, the console script, the libraries) and starts it.
    const up = await mcpman(env, ['up', '--detach', '-f', config], {
      cwd: workspace.dir,
      timeoutMs: 600_000,
    });
    expect(up.code, `${up.stdout}\n${up.stderr}`).toBe(0);
    const status = await statusJson(env);
    expect(status.servers.find((s) => s.name === 'hostile')?.state).toBe('ready');
    expect(existsSync(HOSTILE_MARKER), `${HOSTILE_MARKER} was written on the host`).toBe(false);
  }, 900_000);
});
