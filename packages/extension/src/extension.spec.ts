import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  activateExtension,
  evaluateRowWhen,
  extensionContext,
  host,
  podmanConnection,
} from './test/podman-desktop-api.mock.js';
import type { MockExtensionContext } from './test/podman-desktop-api.mock.js';
import { activate as activateWith, deactivate, settled } from './extension.js';
import manifest from '../package.json' with { type: 'json' };

/** An installed extension's folder: the manifest's media/ with a built page. */
function extensionFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mcpman-extension-'));
  mkdirSync(join(dir, 'media/assets'), { recursive: true });
  writeFileSync(
    join(dir, 'media/index.html'),
    '<!doctype html><link rel="icon" href="./favicon.svg"><script type="module" src="./assets/index-1.js"></script><div id="app"></div>',
  );
  return dir;
}

function statusBar(): {
  text?: string;
  tooltip?: string;
  iconClass?: unknown;
  command?: string;
  shown: boolean;
} {
  const item = host.statusBarItems[0];
  if (item === undefined) throw new Error('no status bar item was created');
  return item;
}

/** Activate as Podman Desktop does, with no Podman found beyond the connections the test lists. */
async function activate(context: MockExtensionContext): Promise<void> {
  expect(await activateExtension((c) => activateWith(c, () => Promise.resolve(undefined)), context)).toBe(
    'started',
  );
  await settled();
}

describe('extension activation (against a faithful mock of @podman-desktop/api)', () => {
  let context: MockExtensionContext;
  let folders: string[] = [];

  beforeEach(() => {
    host.reset();
    folders = [mkdtempSync(join(tmpdir(), 'mcpman-storage-')), extensionFolder()];
    context = extensionContext(folders[0]!, folders[1]!);
  });

  afterEach(async () => {
    host.answerAll();
    await deactivate();
    for (const subscription of context.subscriptions) subscription.dispose();
    for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  });

  it('registers every command the manifest declares, and only those', async () => {
    await activate(context);
    const declared = manifest.contributes.commands.map((c) => c.command).sort();
    expect([...host.commands.keys()].sort()).toEqual(declared);
  });

  it("marks managed containers with the extension's icon and gives them its actions", () => {
    const { icons, views, menus } = manifest.contributes;
    const declared = new Set(manifest.contributes.commands.map((c) => c.command));
    expect(Object.keys(icons)).toEqual(['mcpman-icon']);
    expect(views['icons/containersList']).toEqual([
      { when: 'io.mcpman.managed in containerLabelKeys', icon: '${mcpman-icon}' },
    ]);
    const actions = menus['dashboard/container'];
    expect(actions.map((a) => a.command)).toEqual([
      'mcpman.restartServer',
      'mcpman.stopServer',
      'mcpman.startServer',
      'mcpman.openDashboard',
    ]);
    for (const action of actions) expect(declared.has(action.command), action.command).toBe(true);
  });

  it('shows the container actions per row: on its own containers, whichever row the list did last', () => {
    const ours = { name: 'mcpman-desktop-memory', labels: { 'io.mcpman.managed': 'true' } };
    const cli = { name: 'mcpman-0a1b2c3d4e-memory', labels: { 'io.mcpman.managed': 'true' } };
    const other = { name: 'postgres', labels: {} };
    // The list leaves the shared context with the labels of the last row it computed icons for.
    for (const last of [ours, other]) {
      const shared = { containerLabelKeys: Object.keys(last.labels), containerImageName: 'x' };
      for (const action of manifest.contributes.menus['dashboard/container']) {
        expect(evaluateRowWhen(action.when, shared, ours), `${action.command} on ours`).toBe(true);
        expect(evaluateRowWhen(action.when, shared, cli), `${action.command} on the CLI's`).toBe(false);
        expect(evaluateRowWhen(action.when, shared, other), `${action.command} on postgres`).toBe(false);
      }
    }
  });

  it('finishes activation in time with a box left open (invalid settings), keeping its status bar and commands', async () => {
    host.maxActivationMs = 2000;
    host.settings.set('mcpman.gateway.port', 70_000);
    await activate(context);
    expect(host.messages.filter((m) => m.level === 'error' && !m.answered)).toHaveLength(1);
    expect(statusBar()).toMatchObject({ text: 'MCP: settings invalid', shown: true });
    expect(host.commands.has('mcpman.openDashboard')).toBe(true);
    // A command whose box nobody answers still returns to its caller.
    await host.commands.get('mcpman.restartServer')?.();
    expect(host.messages.at(-1)).toMatchObject({ level: 'error', answered: false });
  });

  it('finishes activation in time while the engine does not answer, saying so in the status bar', async () => {
    host.maxActivationMs = 2000;
    host.connections = [podmanConnection(join(context.storagePath, 'missing.sock'))];
    await activate(context);
    expect(statusBar().text).toBe('MCP: not running');
    expect(statusBar().tooltip).toMatch(/ENGINE_/);
  });

  it('shows a status bar item that says Podman is not running, and opens the dashboard on click', async () => {
    await activate(context);
    // The dashboard's panel exists from activation: a permanent entry in the navigation.
    expect(host.panels).toHaveLength(1);
    expect(host.panels[0]?.revealed).toBe(0);
    expect(statusBar()).toMatchObject({
      text: 'MCP: no Podman',
      command: 'mcpman.openDashboard',
      shown: true,
    });
    await host.commands.get('mcpman.openDashboard')?.();
    expect(host.panels).toHaveLength(1);
    const panel = host.panels[0]!;
    expect(panel.viewType).toBe('mcpman.dashboard');
    // Asset URLs point into Podman Desktop's webview server, under the extension's media/ folder.
    expect(panel.webview.html).toMatch(
      /src="http:\/\/[0-9a-f-]{36}\.webview\.localhost:44000\/media\/assets\/index-1\.js"/,
    );
    expect(panel.webview.html).toMatch(
      /href="http:\/\/[0-9a-f-]{36}\.webview\.localhost:44000\/media\/favicon\.svg"/,
    );
    expect(panel.webview.options.localResourceRoots?.[0]?.path).toBe(`${context.extensionUri.path}/media`);
    // The browser dashboard's policy, as a meta tag: scripts only from the extension's own files.
    expect(panel.webview.html).toMatch(
      /<meta http-equiv="Content-Security-Policy" content="default-src 'self' http:\/\/[0-9a-f-]{36}\.webview\.localhost:44000; script-src 'self' http:\/\/[0-9a-f-]{36}\.webview\.localhost:44000;[^"]*object-src 'none'" \/>/,
    );
    expect(panel.webview.html.indexOf('Content-Security-Policy')).toBeLessThan(
      panel.webview.html.indexOf('<script'),
    );
    // A second click reveals the same panel.
    await host.commands.get('mcpman.openDashboard')?.();
    expect(host.panels).toHaveLength(1);
    expect(panel.revealed).toBe(2);
  });

  it('answers the webview over postMessage, with a clear error while there is no Podman', async () => {
    await activate(context);
    await host.commands.get('mcpman.openDashboard')?.();
    const webview = host.panels[0]!.webview;
    webview.received.fire({ kind: 'rpc-request', id: 7, method: 'getOverview', args: [] });
    await vi.waitFor(() => {
      expect(webview.posted).toHaveLength(1);
    });
    expect(webview.posted[0]).toMatchObject({
      kind: 'rpc-response',
      id: 7,
      ok: false,
      error: { code: 'ENGINE_UNAVAILABLE', hint: expect.stringMatching(/Podman machine/) as unknown },
    });
  });

  it('refuses invalid settings, naming the setting and what it accepts', async () => {
    host.settings.set('mcpman.gateway.port', 70_000);
    host.settings.set('mcpman.gateway.tls.cert', '/x/cert.pem');
    host.settings.delete('mcpman.gateway.tls.key');
    host.connections = [podmanConnection('/nonexistent/podman.sock')];
    await activate(context);
    expect(statusBar().text).toBe('MCP: settings invalid');
    const error = host.messages.find((m) => m.level === 'error')?.text ?? '';
    expect(error).toMatch(/mcpman\.gateway\.port: .*65535/);
  });

  it('follows a connection starting, and reports a Podman socket that does not answer', async () => {
    await activate(context);
    const connection = podmanConnection(join(context.storagePath, 'missing.sock'), 'stopped');
    host.connections = [connection];
    host.registered.fire({ providerId: 'podman', connection: connection.connection });
    // Registered but stopped: still no Podman.
    expect(statusBar().text).toBe('MCP: no Podman');
    // Podman Desktop polls connections' status: the change arrives with its next round.
    connection.setStatus('started');
    host.pollProviders();
    await vi.waitFor(() => {
      expect(statusBar().text).toBe('MCP: not running');
    });
    expect(statusBar().tooltip).toMatch(/ENGINE_/);
    expect(host.messages.some((m) => m.level === 'error' && m.text.includes('could not start'))).toBe(true);
  });

  it('re-reads the settings when they change in Preferences', async () => {
    await activate(context);
    host.changeSettings({ 'mcpman.gateway.auth': 'magic' });
    await vi.waitFor(() => {
      expect(statusBar().text).toBe('MCP: settings invalid');
    });
    host.changeSettings({ 'mcpman.gateway.auth': 'token' });
    await vi.waitFor(() => {
      expect(statusBar().text).toBe('MCP: no Podman');
    });
  });

  it('asks the user to start Podman when a server command runs without it', async () => {
    await activate(context);
    await host.commands.get('mcpman.restartServer')?.();
    expect(host.messages.at(-1)).toMatchObject({
      level: 'error',
      text: 'MCP Server Manager is not running: start a Podman machine first.',
    });
  });

  it('leaves no status bar item behind when deactivated, even if settings change afterwards', async () => {
    await activate(context);
    await deactivate();
    for (const subscription of context.subscriptions) subscription.dispose();
    host.changeSettings({ 'mcpman.gateway.auth': 'token' });
    await settled();
    expect(host.statusBarItems[0]).toMatchObject({ disposed: true, shown: false, resurrected: false });
  });
});
