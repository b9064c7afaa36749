import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { extensionContext, host, podmanConnection } from './test/podman-desktop-api.mock.js';
import type { MockExtensionContext } from './test/podman-desktop-api.mock.js';
import { activate, deactivate } from './extension.js';
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

describe('extension activation (against a mock of @podman-desktop/api)', () => {
  let context: MockExtensionContext;
  let folders: string[] = [];

  beforeEach(() => {
    host.reset();
    folders = [mkdtempSync(join(tmpdir(), 'mcpman-storage-')), extensionFolder()];
    context = extensionContext(folders[0]!, folders[1]!);
  });

  afterEach(async () => {
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
    for (const action of actions) {
      expect(declared.has(action.command), action.command).toBe(true);
      expect(action.when).toBe('io.mcpman.managed in containerLabelKeys');
    }
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
    // Asset URLs point into the webview's resources, under the extension's media/ folder.
    expect(panel.webview.html).toContain(
      `src="webview://extension${context.extensionUri.path}/media/assets/index-1.js"`,
    );
    expect(panel.webview.html).toContain(
      `href="webview://extension${context.extensionUri.path}/media/favicon.svg"`,
    );
    expect(panel.webview.options.localResourceRoots?.[0]?.path).toBe(`${context.extensionUri.path}/media`);
    // The browser dashboard's policy, as a meta tag: scripts only from the extension's own files.
    expect(panel.webview.html).toMatch(
      /<meta http-equiv="Content-Security-Policy" content="default-src 'self' webview:\/\/extension; script-src 'self' webview:\/\/extension;[^"]*object-src 'none'" \/>/,
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
    connection.setStatus('started');
    host.updated.fire({ providerId: 'podman', connection: connection.connection, status: 'started' });
    await vi.waitFor(() => {
      expect(statusBar().text).toBe('MCP: not running');
    });
    expect(statusBar().tooltip).toMatch(/ENGINE_/);
    expect(host.messages.some((m) => m.level === 'error' && m.text.includes('could not start'))).toBe(true);
  });

  it('re-reads the settings when they change', async () => {
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
    expect(host.messages.at(-1)).toEqual({
      level: 'error',
      text: 'MCP Server Manager is not running: start a Podman machine first.',
    });
  });
});
