import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { discoverEngineSocket, ownerForConfig } from '@mcpman/core';
import { BUNDLED_CATALOG_DIR } from '@mcpman/integrations';
import { startLocalRegistry } from '../packages/integrations/src/catalog/testing/local-registry.js';
import { activate as activateWith, deactivate, settled } from '../packages/extension/src/extension.js';
import {
  activateExtension,
  extensionContext,
  host,
  podmanConnection,
} from '../packages/extension/src/test/podman-desktop-api.mock.js';
import type { MockExtensionContext } from '../packages/extension/src/test/podman-desktop-api.mock.js';
import { REPO, cliEnv, mcpman, stopManager } from './helpers/cli.js';
import { podman, serverContainers, sweep } from './helpers/podman.js';
import { AuthCheckingProxy, HostEverything } from './helpers/remote-server.js';
import { EVERYTHING, Workspace } from './helpers/workspace.js';

const EXTENSION = join(REPO, 'packages/extension');

/**
 * Activate as Podman Desktop does (within its time limit), finding no Podman beyond the
 * connections the test lists unless `discover` says otherwise, and wait for the manager's start.
 */
async function activate(
  context: MockExtensionContext,
  discover: () => Promise<string | undefined> = () => Promise.resolve(undefined),
): Promise<void> {
  expect(await activateExtension((c) => activateWith(c, discover), context)).toBe('started');
  await settled();
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        resolve(typeof address === 'object' && address !== null ? address.port : 0);
      });
    });
  });
}

/** One RPC over the webview's postMessage, answered by the extension backend. */
async function rpc(
  method: string,
  args: unknown[] = [],
): Promise<{ ok: boolean; result?: unknown; error?: unknown }> {
  // The page on screen: messages to a page not shown are lost, as in Podman Desktop.
  const panel = host.panels.at(-1)!;
  if (!panel.visible) panel.show();
  const webview = panel.webview;
  const id = webview.posted.length + 1000;
  webview.received.fire({ kind: 'rpc-request', id, method, args });
  return vi.waitFor(
    () => {
      const response = webview.posted.find(
        (m): m is { kind: string; id: number; ok: boolean } =>
          typeof m === 'object' &&
          m !== null &&
          'kind' in m &&
          m.kind === 'rpc-response' &&
          'id' in m &&
          m.id === id,
      );
      if (response === undefined) throw new Error(`no answer to ${method} yet`);
      return response;
    },
    { timeout: 30_000 },
  );
}

/**
 * The extension in a Podman Desktop stand-in (the typed mock of its API), wired to this
 * machine's real Podman socket: it runs a real server, shows it in the status bar, serves the
 * dashboard over the webview, stores a secret in SecretStorage and in Podman, and on
 * deactivation leaves the server's container to be adopted by the next activation.
 */
describe('Podman Desktop extension on real Podman', () => {
  let workspace: Workspace;
  let context: MockExtensionContext;
  let socketPath: string;

  beforeAll(async () => {
    await sweep();
    host.reset();
    workspace = await Workspace.create();
    socketPath = (await discoverEngineSocket()).path;
    const config = await workspace.write(
      'mcpman.yaml',
      `version: 1\ngateway:\n  grpc: { enabled: false }\nservers:\n  everything:\n    source: ${EVERYTHING}\n    args: [stdio]\n`,
    );
    host.settings.set('mcpman.configFile', config);
    host.settings.set('mcpman.gateway.port', await freePort());
    host.connections = [podmanConnection(socketPath)];
    const storage = join(workspace.dir, 'storage');
    mkdirSync(storage);
    context = extensionContext(storage, EXTENSION);
  });

  afterAll(async () => {
    await deactivate();
    for (const subscription of context.subscriptions) subscription.dispose();
    await sweep();
    // The extension puts SecretStorage's secrets back into Podman when it activates again.
    for (const secret of ['extension-test-secret', 'extension-remote-token'])
      await podman('secret', 'rm', secret).catch(() => undefined);
    await workspace.dispose();
  });

  it('activates on the running connection and shows "MCP 1/1 ready" once the server is up', async () => {
    await activate(context);
    const item = host.statusBarItems[0]!;
    await vi.waitFor(
      () => {
        expect(item.text).toBe('MCP 1/1 ready');
      },
      { timeout: 150_000, interval: 250 },
    );
    expect(item.iconClass).toBe('fa fa-circle-check');
    expect(item.tooltip).toBe('MCP servers\neverything: ready');
  });

  it('serves the dashboard API over the webview, the tool tester included', async () => {
    await host.commands.get('mcpman.openDashboard')?.();
    const overview = await rpc('getOverview');
    expect(overview.ok).toBe(true);
    expect(overview.result).toMatchObject({ servers: [{ name: 'everything', state: 'ready' }] });
    const call = await rpc('callTool', ['everything', 'echo', { message: 'from the webview' }]);
    expect(call).toMatchObject({
      ok: true,
      result: { isError: false, content: [{ type: 'text', text: 'Echo: from the webview' }] },
    });
    const unknown = await rpc('restartServer', ['nope']);
    expect(unknown).toMatchObject({ ok: false, error: { code: 'SERVER_NOT_FOUND' } });
  });

  it("restarts a server from its container's menu in Podman Desktop's container list", async () => {
    const [container] = await serverContainers('everything');
    expect(container).toBeDefined();
    // What the container list passes: one ContainerInfoUI, as Podman Desktop builds it.
    const row = (id: string, name: string, labels: Record<string, string>) => ({
      id,
      shortId: id.slice(0, 12),
      name,
      image: 'localhost/mcpman/x',
      engineId: 'podman.Podman',
      engineName: 'Podman',
      engineType: 'podman',
      state: 'RUNNING',
      labels,
      selected: false,
    });
    const labels = JSON.parse(
      await podman('inspect', '--format', '{{json .Config.Labels}}', container!.id),
    ) as Record<string, string>;
    const full = (await podman('inspect', '--format', '{{.Id}}', container!.id)).trim();
    expect(full).toMatch(/^[0-9a-f]{64}$/);
    await host.commands.get('mcpman.restartServer')?.(row(full, 'mcpman-desktop-everything', labels));
    expect(host.messages.at(-1)).toMatchObject({
      level: 'info',
      text: 'MCP server everything: restart requested',
    });
    await vi.waitFor(
      () => {
        expect(host.statusBarItems[0]?.text).toBe('MCP 1/1 ready');
      },
      { timeout: 60_000, interval: 250 },
    );
    const overview = (await rpc('getServer', ['everything'])).result as { status: { restarts: number } };
    expect(overview.status.restarts).toBe(1);
    await host.commands.get('mcpman.restartServer')?.(row('f00dfeed'.padEnd(64, '0'), 'postgres', {}));
    expect(host.messages.at(-1)?.text).toContain('not one of the MCP servers Podman Desktop runs');
  });

  it('keeps secrets in SecretStorage and hands them to Podman', async () => {
    const stored = await rpc('setSecret', ['extension-test-secret', 'swordfish']);
    expect(stored.ok).toBe(true);
    expect(context.secrets.values.get('mcpman.secret.extension-test-secret')).toBe('swordfish');
    await expect(podman('secret', 'inspect', 'extension-test-secret')).resolves.toContain(
      'extension-test-secret',
    );
    await expect(rpc('listSecrets')).resolves.toMatchObject({ ok: true, result: ['extension-test-secret'] });
  });

  it('adds a url: server over the webview, its header filled from a secret in SecretStorage', async () => {
    const remote = await HostEverything.start('streamableHttp');
    const proxy = await AuthCheckingProxy.start(remote.port, 'Bearer extension-remote-value');
    try {
      expect((await rpc('setSecret', ['extension-remote-token', 'extension-remote-value'])).ok).toBe(true);
      const saved = await rpc('saveServer', [
        'docs',
        {
          url: `http://127.0.0.1:${proxy.port}/mcp`,
          headers: { Authorization: 'Bearer ${secret:extension-remote-token}' },
        },
        { create: true },
      ]);
      expect(saved).toMatchObject({ ok: true });
      await vi.waitFor(
        async () => {
          const server = (await rpc('getServer', ['docs'])).result as
            { status?: { state: string } } | undefined;
          expect(server?.status?.state).toBe('ready');
        },
        { timeout: 60_000, interval: 250 },
      );
      const call = await rpc('callTool', ['docs', 'echo', { message: 'remote from the webview' }]);
      expect(call).toMatchObject({
        ok: true,
        result: { content: [{ text: 'Echo: remote from the webview' }] },
      });
      expect((await rpc('removeServer', ['docs'])).ok).toBe(true);
    } finally {
      await proxy.close();
      await remote.kill();
    }
  });

  it('connects and disconnects a client from the Clients page over the webview', async () => {
    // The user's client files, in a home of the test's own.
    const home = join(workspace.dir, 'home');
    mkdirSync(join(home, '.codex'), { recursive: true });
    const codex = join(home, '.codex', 'config.toml');
    const original = '# my Codex settings\nmodel = "o3"\n\n[mcp_servers.other]\ncommand = "npx"\n';
    writeFileSync(codex, original);
    vi.stubEnv('HOME', home);
    vi.stubEnv('XDG_CONFIG_HOME', join(home, '.config'));
    vi.stubEnv('MCPMAN_STATE_DIR', join(workspace.dir, 'client-state'));
    try {
      const listed = (await rpc('listClients')).result as {
        id: string;
        installed: boolean;
        connected: unknown[];
      }[];
      expect(listed.length).toBeGreaterThanOrEqual(20);
      expect(listed.find((c) => c.id === 'codex')).toMatchObject({ installed: true, connected: [] });
      const connected = await rpc('connectClient', [{ client: 'codex' }]);
      expect(connected).toMatchObject({ ok: true, result: { client: 'codex', changed: true, how: 'url' } });
      const text = readFileSync(codex, 'utf8');
      expect(text.startsWith(original)).toBe(true);
      expect(text).toContain(
        `[mcp_servers.mcpman]\nurl = "http://127.0.0.1:${String(host.settings.get('mcpman.gateway.port'))}/mcp"`,
      );
      const after = (await rpc('listClients')).result as { id: string; connected: { how: string }[] }[];
      expect(after.find((c) => c.id === 'codex')?.connected).toEqual([
        expect.objectContaining({ entry: 'mcpman', how: 'url' }),
      ]);
      // Claude Desktop only spawns a command: the extension offers the mcpman on the PATH as the bridge.
      const desktop = await rpc('connectClient', [{ client: 'claude-desktop' }]);
      expect(desktop).toMatchObject({ ok: true, result: { how: 'stdio' } });
      const entry = (
        JSON.parse(readFileSync((desktop.result as { path: string }).path, 'utf8')) as {
          mcpServers: Record<string, { command: string; args: string[] }>;
        }
      ).mcpServers['mcpman'];
      expect(entry?.command).toMatch(/[/\\]mcpman(\.cmd)?$/);
      expect(entry?.args.slice(0, 2)).toEqual(['connect', '--url']);
      expect((await rpc('disconnectClient', [{ client: 'claude-desktop' }])).ok).toBe(true);
      expect((await rpc('disconnectClient', [{ client: 'codex' }])).ok).toBe(true);
      expect(readFileSync(codex, 'utf8')).toBe(original);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('searches the catalog and adds a server from it over the webview; a malformed add changes nothing', async () => {
    const memory = JSON.parse(
      readFileSync(join(BUNDLED_CATALOG_DIR, 'io.github.modelcontextprotocol__server-memory.json'), 'utf8'),
    ) as { name: string };
    const registry = await startLocalRegistry([memory]);
    const configFile = String(host.settings.get('mcpman.configFile'));
    const original = readFileSync(configFile, 'utf8');
    // The catalog reads registries: on each call, so this edit applies at once.
    writeFileSync(configFile, `registries: [${registry.url}]\n${original}`);
    const withRegistry = readFileSync(configFile, 'utf8');
    vi.stubEnv('XDG_CACHE_HOME', join(workspace.dir, 'cache'));
    try {
      const found = await rpc('searchCatalog', ['memory']);
      expect(found).toMatchObject({
        ok: true,
        result: { answeredBy: [registry.url], entries: [{ name: memory.name, kinds: ['npm'] }] },
      });
      const plan = await rpc('planCatalogServer', [memory.name]);
      expect(plan).toMatchObject({ ok: true, result: { kind: 'npm', name: 'memory' } });
      expect((plan.result as { runs: string }).runs).toMatch(
        /^npx:\/\/@modelcontextprotocol\/server-memory@/,
      );
      const bad = await rpc('addCatalogServer', [{ registryName: memory.name, prefer: 'cargo' }]);
      expect(bad).toMatchObject({ ok: false, error: { code: 'CONFIG_INVALID' } });
      expect(JSON.stringify(bad.error)).toContain('prefer');
      expect(readFileSync(configFile, 'utf8')).toBe(withRegistry);
      const added = await rpc('addCatalogServer', [{ registryName: memory.name, name: 'catalog-memory' }]);
      expect(added).toMatchObject({ ok: true, result: { name: 'catalog-memory' } });
      await vi.waitFor(
        async () => {
          const server = (await rpc('getServer', ['catalog-memory'])).result as
            { status?: { state: string } } | undefined;
          expect(server?.status?.state).toBe('ready');
        },
        { timeout: 150_000, interval: 250 },
      );
      expect((await rpc('removeServer', ['catalog-memory'])).ok).toBe(true);
    } finally {
      vi.unstubAllEnvs();
      writeFileSync(configFile, original);
      await registry.close();
    }
  }, 180_000);

  it('copies what the chosen client needs, pointing at its gateway', async () => {
    const port = String(host.settings.get('mcpman.gateway.port'));
    const url = `http://127.0.0.1:${port}/mcp`;
    const copy = async (client: string): Promise<string> => {
      host.quickPickAnswer = client;
      host.clipboard = '';
      await host.commands.get('mcpman.copyClientConfig')?.();
      return host.clipboard;
    };
    expect(JSON.parse(await copy('VS Code'))).toEqual({ servers: { mcpman: { type: 'http', url } } });
    expect(JSON.parse(await copy('Cursor'))).toEqual({ mcpServers: { mcpman: { url } } });
    expect(await copy('Claude Code')).toBe(`claude mcp add --transport http mcpman ${url}\n`);
    expect(JSON.parse(await copy('Claude Desktop'))).toEqual({
      mcpServers: { mcpman: { command: 'npx', args: ['-y', 'mcp-remote@0.15.1', url] } },
    });
    expect(host.messages.at(-1)?.text).toContain('claude_desktop_config.json');
  });

  it("runs beside a CLI manager with a server of the same name: neither touches the other's", async () => {
    const env = cliEnv();
    const cliConfig = await workspace.write(
      'cli.yaml',
      `version: 1\ngateway: { listen: 127.0.0.1:0, grpc: { listen: 127.0.0.1:0 } }\nservers:\n  everything:\n    source: ${EVERYTHING}\n    args: [stdio]\n`,
    );
    const ownerIds = async (): Promise<Record<string, string>> =>
      Object.fromEntries(
        (
          await podman(
            'ps',
            '--filter',
            'label=io.mcpman.server=everything',
            '--format',
            '{{index .Labels "io.mcpman.owner"}} {{.ID}}',
          )
        )
          .split('\n')
          .filter((line) => line !== '')
          .map((line) => line.split(' ') as [string, string]),
      );
    const desktopBefore = (await ownerIds())['desktop'];
    expect(desktopBefore).toBeDefined();
    try {
      const up = await mcpman(env, ['up', '--detach', '-f', cliConfig]);
      expect(up.code, up.stdout + up.stderr).toBe(0);
      const cliOwner = ownerForConfig(cliConfig).id;
      const both = await ownerIds();
      expect(both['desktop']).toBe(desktopBefore);
      expect(both[cliOwner]).toBeDefined();
      // The extension lists the CLI's server read-only, and the CLI the extension's.
      const overview = await rpc('getOverview');
      expect(overview.result).toMatchObject({
        servers: [{ name: 'everything', state: 'ready' }],
        others: [{ name: 'everything', owner: cliConfig, state: 'running' }],
      });
      const ls = JSON.parse((await mcpman(env, ['ls', '--json', '-f', cliConfig])).stdout) as {
        others: { ownerId: string; name: string }[];
      };
      expect(ls.others).toMatchObject([{ ownerId: 'desktop', name: 'everything' }]);
      // The extension reconciles again (a new activation) and leaves the CLI's container be.
      await deactivate();
      host.statusBarItems = [];
      host.commands.clear();
      await activate(context);
      await vi.waitFor(
        () => {
          expect(host.statusBarItems[0]?.text).toBe('MCP 1/1 ready');
        },
        { timeout: 120_000, interval: 250 },
      );
      expect(await ownerIds()).toEqual(both);
      const down = await mcpman(env, ['down', '-f', cliConfig]);
      expect(down.code, down.stderr).toBe(0);
      expect(down.stdout).toContain('left 1 server of other managers running');
      expect(await ownerIds()).toEqual({ desktop: desktopBefore });
    } finally {
      await stopManager(env);
    }
  });

  it('deactivates without removing the server, and adopts it on the next activation', async () => {
    const before = await serverContainers('everything');
    expect(before).toHaveLength(1);
    await deactivate();
    // Deactivation stopped managing; the container the user configured is still there.
    const after = await serverContainers('everything');
    expect(after.map((c) => c.id)).toEqual(before.map((c) => c.id));
    host.statusBarItems = [];
    host.commands.clear();
    await activate(context);
    await vi.waitFor(
      () => {
        expect(host.statusBarItems[0]?.text).toBe('MCP 1/1 ready');
      },
      { timeout: 120_000, interval: 250 },
    );
    const adopted = await serverContainers('everything');
    expect(adopted.map((c) => c.id)).toEqual(before.map((c) => c.id));
  });

  it('stops the gateway when the Podman connection stops', async () => {
    const connection = podmanConnection(socketPath, 'started');
    host.connections = [connection];
    connection.setStatus('stopped');
    // Podman Desktop polls the connection's status; the change arrives with the next round.
    host.pollProviders();
    await vi.waitFor(() => {
      expect(host.statusBarItems.at(-1)?.text).toBe('MCP: no Podman');
    });
  });

  it('with no connection listed (as root, Podman Desktop lists none), runs on the Podman it finds, saying which', async () => {
    await deactivate();
    host.statusBarItems = [];
    host.commands.clear();
    host.connections = [];
    await activate(context, async () => (await discoverEngineSocket()).path);
    await vi.waitFor(
      () => {
        expect(host.statusBarItems[0]?.text).toMatch(/^MCP 1\/1 ready/);
      },
      { timeout: 120_000, interval: 250 },
    );
    expect(host.statusBarItems[0]?.tooltip).toContain(
      `Podman Desktop lists no running Podman connection; MCP servers run on the Podman API at ${socketPath}`,
    );
  });
});

/**
 * A config that asks for token auth keeps it inside Podman Desktop, whatever the extension's
 * setting says (its default is none): a setting may add protection, never remove it.
 */
describe('Podman Desktop extension with a token-auth config', () => {
  let workspace: Workspace;
  let context: MockExtensionContext;
  let port: number;

  beforeAll(async () => {
    await sweep();
    host.reset();
    workspace = await Workspace.create();
    const config = await workspace.write(
      'mcpman.yaml',
      'version: 1\ngateway:\n  auth: { mode: token }\n  grpc: { enabled: false }\nservers: {}\n',
    );
    port = await freePort();
    host.settings.set('mcpman.configFile', config);
    host.settings.set('mcpman.gateway.port', port);
    host.settings.set('mcpman.gateway.auth', 'none');
    host.connections = [podmanConnection((await discoverEngineSocket()).path)];
    const storage = join(workspace.dir, 'storage');
    mkdirSync(storage);
    context = extensionContext(storage, EXTENSION);
  });

  afterAll(async () => {
    await deactivate();
    for (const subscription of context.subscriptions) subscription.dispose();
    await sweep();
    await workspace.dispose();
  });

  it('answers 401 without a token, and says in the status bar and dashboard that the file won', async () => {
    await activate(context);
    const response = await fetch(`http://127.0.0.1:${port}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    expect(response.status).toBe(401);
    const item = host.statusBarItems[0]!;
    expect(item.tooltip).toMatch(/^⚠ The config file asks for gateway\.auth\.mode token/);
    await host.commands.get('mcpman.openDashboard')?.();
    const overview = await rpc('getOverview');
    expect(overview.result).toMatchObject({
      notices: [expect.stringContaining('mcpman.gateway.auth (none) cannot weaken it')],
    });
    expect(host.messages.some((m) => m.level === 'warning' && m.text.includes('cannot weaken it'))).toBe(
      true,
    );
  });
});

const exec = promisify(execFile);
const IMAGE = 'localhost/mcpman/podman-desktop-extension:test';

/** The image Podman Desktop installs: built with Podman, then opened up and checked. */
describe('extension image', () => {
  const out = mkdtempSync(join(tmpdir(), 'mcpman-extension-image-'));

  afterAll(async () => {
    await podman('rm', '-f', 'mcpman-extension-image-check').catch(() => undefined);
    await podman('rmi', '-f', IMAGE).catch(() => undefined);
    await exec('rm', ['-rf', out]);
  });

  it('builds FROM scratch with the labels and files Podman Desktop needs to load it', async () => {
    expect(existsSync(join(EXTENSION, 'dist/extension.cjs')), 'npm run build makes the bundle').toBe(true);
    await podman('build', '-t', IMAGE, '-f', join(EXTENSION, 'Containerfile'), EXTENSION);
    const [inspected] = JSON.parse(await podman('image', 'inspect', IMAGE)) as [
      { Config: { Labels: Record<string, string> }; RootFS: { Layers: string[] } },
    ];
    expect(inspected.Config.Labels).toMatchObject({
      'org.opencontainers.image.title': 'MCP Server Manager',
      'org.opencontainers.image.vendor': 'mcpman',
      'io.podman-desktop.api.version': expect.stringMatching(/^>= ?\d+\.\d+\.\d+$/) as unknown,
    });
    expect(inspected.Config.Labels['org.opencontainers.image.description']).toBeTruthy();
    // What is inside: Podman Desktop copies /extension and loads package.json's `main`.
    await podman('create', '--name', 'mcpman-extension-image-check', IMAGE, '/none');
    await exec('sh', ['-c', `podman export mcpman-extension-image-check | tar -x -C ${out}`]);
    const manifest = JSON.parse(readFileSync(join(out, 'extension/package.json'), 'utf8')) as {
      main: string;
      icon: string;
      engines: Record<string, string>;
      contributes: { icons: Record<string, { default: { fontPath: string } }> };
    };
    expect(existsSync(join(out, 'extension', manifest.main))).toBe(true);
    expect(existsSync(join(out, 'extension', manifest.icon))).toBe(true);
    // The icon font managed containers show with in Podman Desktop's lists: a real WOFF2.
    for (const icon of Object.values(manifest.contributes.icons))
      expect(
        readFileSync(join(out, 'extension', icon.default.fontPath))
          .subarray(0, 4)
          .toString(),
      ).toBe('wOF2');
    expect(existsSync(join(out, 'extension/media/index.html'))).toBe(true);
    expect(existsSync(join(out, 'extension/dist/gateway/proto/mcpman/mcp/v1/mcp.proto'))).toBe(true);
    expect(existsSync(join(out, 'extension/dist/core/assets/launch.mjs'))).toBe(true);
    // The label and the manifest agree on the oldest Podman Desktop.
    expect(inspected.Config.Labels['io.podman-desktop.api.version']?.replace(/\s/g, '')).toBe(
      manifest.engines['podman-desktop'],
    );
    // The bundle loads in plain Node with only the host API missing.
    const { stdout } = await exec(process.execPath, [
      '-e',
      `require('module').Module._load = ((load) => (r, ...a) => r === '@podman-desktop/api' ? {} : load(r, ...a))(require('module').Module._load); console.log(Object.keys(require(${JSON.stringify(join(out, 'extension', manifest.main))})).join(','))`,
    ]);
    expect(stdout.trim()).toBe('activate,deactivate,settled');
    // Podman Desktop's webview server serves the whole folder: no sources, tests or specs in it.
    const files = (await exec('find', [join(out, 'extension'), '-type', 'f'])).stdout.split('\n');
    expect(files.filter((f) => /\.(spec|test)\.[cm]?[jt]s$|\/src\/.*\.ts$/.test(f))).toEqual([]);
    for (const map of files.filter((f) => f.endsWith('.map')))
      expect(readFileSync(map, 'utf8'), map).not.toContain('"sourcesContent"');
    // What the bundle cannot hold travels beside it (the Clients page's TOML and JSONC editors).
    const dist = join(out, 'extension/dist/node_modules');
    const edited = await exec(process.execPath, [
      '--input-type=module',
      '-e',
      `const toml = await import(${JSON.stringify(join(dist, '@rainbowatcher/toml-edit-js/shims.js'))}); await toml.default();
       const jsonc = (await import(${JSON.stringify(join(dist, 'jsonc-parser/lib/umd/main.js'))})).default;
       console.log(toml.edit('# kept\\n', 'mcp_servers.mcpman.url', 'http://x/mcp').trim().split('\\n').join('|'));
       console.log(JSON.stringify(jsonc.parse('{ /* c */ "a": 1, }')));`,
    ]);
    expect(edited.stdout.trim().split('\n')).toEqual([
      '[mcp_servers]||[mcp_servers.mcpman]|url = "http://x/mcp"|# kept',
      '{"a":1}',
    ]);
  });
});

/**
 * `engines.podman-desktop` is a promise: the extension's sources must compile against the
 * typings of that oldest API (fetched from the npm registry), not only the newest.
 */
describe('oldest supported Podman Desktop API', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcpman-pd-api-'));

  afterAll(async () => {
    await exec('rm', ['-rf', dir]);
  });

  it('compiles against the @podman-desktop/api version engines.podman-desktop names', async () => {
    const manifest = JSON.parse(readFileSync(join(EXTENSION, 'package.json'), 'utf8')) as {
      engines: Record<string, string>;
    };
    const version = /^>=\s*(\d+\.\d+\.\d+)$/.exec(manifest.engines['podman-desktop'] ?? '')?.[1];
    expect(version, 'engines.podman-desktop is ">=X.Y.Z"').toBeDefined();
    const { stdout } = await exec('npm', [
      'pack',
      `@podman-desktop/api@${version}`,
      '--silent',
      '--pack-destination',
      dir,
    ]);
    await exec('tar', ['-xzf', join(dir, stdout.trim()), '-C', dir]);
    const typings = join(dir, 'package/src/extension-api.d.ts');
    expect(existsSync(typings)).toBe(true);
    const tsconfig = join(EXTENSION, '.tsc', `api-${version}.json`);
    mkdirSync(join(EXTENSION, '.tsc'), { recursive: true });
    writeFileSync(
      tsconfig,
      JSON.stringify({
        extends: '../tsconfig.json',
        compilerOptions: {
          noEmit: true,
          composite: false,
          incremental: false,
          declaration: false,
          declarationMap: false,
          emitDeclarationOnly: false,
          paths: { '@podman-desktop/api': [typings] },
        },
        include: ['../src'],
        exclude: ['../src/**/*.spec.ts', '../src/test'],
      }),
    );
    const result = await exec(join(REPO, 'node_modules/.bin/tsc'), ['-p', tsconfig]).then(
      () => '',
      (error: unknown) => (error as { stdout: string }).stdout,
    );
    expect(result, `the extension uses API newer than ${version ?? ''}`).toBe('');
  }, 120_000);
});
