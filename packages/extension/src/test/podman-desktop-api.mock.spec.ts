// Through the alias vitest maps to the mock, so values carry the API's own types.
import { ProgressLocation, Uri } from '@podman-desktop/api';
import { describe, expect, it } from 'vitest';
import {
  EventEmitter,
  activateExtension,
  commands,
  configuration,
  env,
  extensionContext,
  host,
  podmanConnection,
  window,
} from './podman-desktop-api.mock.js';

/*
 * The mock behaves as Podman Desktop's main process does. Each case names the file and function
 * of containers/podman-desktop (packages/main/src/plugin/…, as of 1.29) it mirrors; the behaviour
 * was read there and seen running (../shared/research/podman-desktop-host.md).
 */
describe('the mock of @podman-desktop/api behaves as Podman Desktop', () => {
  it('message-box.ts MessageBox.showDialog: a box stays open, its promise pending, until the user answers', async () => {
    host.reset();
    let answered: string | undefined = 'pending';
    void window.showErrorMessage('broken', 'Retry').then((choice) => (answered = choice));
    await Promise.resolve();
    expect(answered).toBe('pending');
    expect(host.messages[0]).toMatchObject({
      level: 'error',
      text: 'broken',
      items: ['Retry'],
      answered: false,
    });
    host.messages[0]?.answer('Retry');
    await Promise.resolve();
    expect(answered).toBe('Retry');
  });

  it('extension-loader.ts activateExtension: 20 s, then the extension fails and its subscriptions go', async () => {
    host.reset();
    expect(host.maxActivationMs).toBe(20_000);
    host.maxActivationMs = 50;
    const context = extensionContext('/tmp', '/ext');
    let disposed = false;
    context.subscriptions.push({ dispose: () => (disposed = true) });
    expect(await activateExtension(() => new Promise(() => undefined), context)).toBe('failed');
    expect(disposed).toBe(true);
    expect(await activateExtension(() => Promise.resolve(), extensionContext('/tmp', '/ext'))).toBe(
      'started',
    );
  });

  it("configuration-registry.ts registerConfigurations: the manifest's defaults are values (has() is true)", () => {
    host.reset();
    const settings = configuration.getConfiguration('mcpman');
    expect(settings.has('gateway.port')).toBe(true);
    expect(settings.get('gateway.auth')).toBe('none');
  });

  it('configuration-impl.ts ConfigurationImpl.update: stored without a change event; Preferences fire one', async () => {
    host.reset();
    let events = 0;
    configuration.onDidChangeConfiguration(() => (events += 1));
    await configuration.getConfiguration('mcpman').update('gateway.port', 7500);
    expect(host.settings.get('mcpman.gateway.port')).toBe(7500);
    expect(events).toBe(0);
    host.changeSettings({ 'mcpman.gateway.port': 7501 });
    expect(events).toBe(1);
  });

  it('webview-impl.ts asWebviewUri and postMessage: http://<uuid>.webview.localhost, lost while hidden, false once disposed', async () => {
    host.reset();
    extensionContext('/tmp', '/ext');
    const panel = window.createWebviewPanel('v', 'View', { localResourceRoots: [Uri.file('/ext/media')] });
    // Served under the extension root, whatever localResourceRoots says.
    expect(panel.webview.asWebviewUri(Uri.file('/ext/dist/extension.cjs')).toString()).toMatch(
      /^http:\/\/[0-9a-f-]{36}\.webview\.localhost:44000\/dist\/extension\.cjs$/,
    );
    expect([panel.visible, panel.active]).toEqual([false, false]);
    expect(await panel.webview.postMessage('lost')).toBe(true);
    panel.reveal();
    expect(await panel.webview.postMessage('seen')).toBe(true);
    const mock = host.panels[0]!;
    expect(mock.webview.posted).toEqual(['seen']);
    expect(mock.webview.dropped).toEqual(['lost']);
    panel.dispose();
    expect(await panel.webview.postMessage('after')).toBe(false);
    expect(() => {
      panel.reveal();
    }).toThrow();
  });

  it('statusbar-item.ts StatusBarItemImpl: a property set after dispose puts the entry back; a click passes args as one array', async () => {
    host.reset();
    const item = window.createStatusBarItem();
    item.show();
    item.dispose();
    expect(host.statusBarItems[0]?.shown).toBe(false);
    item.text = 'again';
    expect(host.statusBarItems[0]).toMatchObject({ shown: true, resurrected: true });
    let received: unknown[] = [];
    commands.registerCommand('x.click', (...args: unknown[]) => (received = args));
    item.command = 'x.click';
    item.commandArgs = ['a', 'b'];
    await host.statusBarItems[0]?.click();
    expect(received).toEqual([['a', 'b']]);
  });

  it('command-registry.ts executeCommand: an unknown command is "Unknown command: X"', async () => {
    host.reset();
    await expect(commands.executeCommand('no.such')).rejects.toThrow('Unknown command: no.such');
  });

  it('provider-registry.ts: connection status changes arrive by polling (every 2 s), not at once', () => {
    host.reset();
    const connection = podmanConnection('/run/podman/podman.sock', 'stopped');
    host.connections = [connection];
    const seen: string[] = [];
    host.updated.event((event) => seen.push(event.status));
    connection.setStatus('started');
    expect(seen).toEqual([]);
    host.pollProviders();
    expect(seen).toEqual(['started']);
    host.pollProviders();
    expect(seen).toEqual(['started']);
  });

  it('types/uri.ts: joinPath normalises `..`, parse keeps escapes and the fragment, toString gives it back', () => {
    expect(Uri.joinPath(Uri.file('/ext/media'), '..', 'dist', 'x.js').path).toBe('/ext/dist/x.js');
    const uri = Uri.parse('http://host/a%20b#frag');
    expect(uri.path).toBe('/a%20b');
    expect(uri.fragment).toBe('frag');
    expect(uri.toString()).toBe('http://host/a%20b#frag');
  });

  it('telemetry.ts TelemetryLoggerImpl: isUsageEnabled is always true; env.isTelemetryEnabled is the user’s choice', () => {
    host.reset();
    const logger = env.createTelemetryLogger();
    const changes: boolean[] = [];
    env.onDidChangeTelemetryEnabled((enabled) => changes.push(enabled));
    host.setTelemetry(false);
    expect(logger.isUsageEnabled).toBe(true);
    expect(env.isTelemetryEnabled).toBe(false);
    expect(changes).toEqual([false]);
    logger.logUsage('x');
    expect(host.telemetry).toEqual([]);
  });

  it('progress-impl.ts ProgressImpl.withWidget: each report becomes the task’s name', async () => {
    host.reset();
    await window.withProgress(
      { location: ProgressLocation.TASK_WIDGET, title: 'MCP server a: pulling its image' },
      (progress) => {
        progress.report({ message: 'layer 1' });
        return Promise.resolve();
      },
    );
    expect(host.tasks[0]).toMatchObject({ title: 'MCP server a: pulling its image', name: 'layer 1' });
  });

  it('EventEmitter fires to every listener', () => {
    const emitter = new EventEmitter<number>();
    const got: number[] = [];
    emitter.event((n) => got.push(n));
    emitter.fire(1);
    expect(got).toEqual([1]);
  });
});
