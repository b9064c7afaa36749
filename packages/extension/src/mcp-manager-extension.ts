import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { configuration, env, Uri } from '@podman-desktop/api';
import type { ContainerProviderConnection, ExtensionContext } from '@podman-desktop/api';
import { discoverEngineSocket } from '@mcpman/core';
import { toMCPError } from '@mcpman/protocol';
import type { Telemetry } from '@mcpman/core';
import type { Disposable as CoreDisposable } from '@mcpman/protocol';
import type { McpManagerApi, RpcErrorBody } from '@mcpman/shared';
import { registerCommands, tell } from './commands.js';
import { DashboardPanel } from './dashboard-panel.js';
import { ImageTasks } from './image-tasks.js';
import { ManagerHost } from './manager-host.js';
import { PodmanConnections } from './podman-connections.js';
import { SecretStorageStore } from './secret-storage-store.js';
import { SETTINGS_SECTION, readSettings } from './settings.js';
import type { ExtensionSettings } from './settings.js';
import { McpStatusBar } from './status-bar.js';
import { podmanDesktopTelemetry } from './telemetry.js';

/** Core's socket discovery: the first Podman API that answers, or none. */
async function discoverSocket(): Promise<string | undefined> {
  return discoverEngineSocket().then(
    (found) => found.path,
    () => undefined,
  );
}

const NO_PODMAN: RpcErrorBody = {
  code: 'ENGINE_UNAVAILABLE',
  message: 'No Podman connection is running.',
  hint: 'Start a Podman machine in Podman Desktop (Settings → Resources).',
};

/**
 * The composition root: wires core and the gateway to the running Podman connection, the
 * status bar, the dashboard webview and the commands, and follows connections and settings as
 * they change. Everything it makes is disposed with the extension.
 */
export class McpManagerExtension {
  private host: ManagerHost | undefined;
  private settings: ExtensionSettings | undefined;
  /** Why there is no manager, for the dashboard's error display. */
  private problem: RpcErrorBody = NO_PODMAN;
  private statusBar!: McpStatusBar;
  private panel!: DashboardPanel;
  private connections!: PodmanConnections;
  private secrets!: SecretStorageStore;
  private telemetry!: Telemetry;
  /** Serialises start/stop as connections and settings change quickly. */
  private transition: Promise<void> = Promise.resolve();
  private hostEvents: CoreDisposable[] = [];
  /** Follows Podman Desktop's telemetry setting and ours (both must allow). */
  private refreshTelemetry: () => void = () => undefined;

  /**
   * @param discover where a Podman API answers when Podman Desktop lists no running Podman
   *   connection (core's socket discovery; a test gives its own).
   */
  constructor(
    private readonly context: ExtensionContext,
    private readonly discover: () => Promise<string | undefined> = discoverSocket,
  ) {}

  /** Resolves once the latest start or stop is through (activation does not wait for it). */
  settled(): Promise<void> {
    return this.transition;
  }

  async activate(): Promise<void> {
    await mkdir(this.context.storagePath, { recursive: true });
    const subscriptions = this.context.subscriptions;
    this.statusBar = new McpStatusBar();
    subscriptions.push(this.statusBar);
    const logger = env.createTelemetryLogger();
    const tracked = podmanDesktopTelemetry(logger, () => this.settings?.telemetry ?? false);
    this.telemetry = tracked.telemetry;
    this.refreshTelemetry = tracked.refresh;
    subscriptions.push(tracked.subscription, logger);
    this.secrets = new SecretStorageStore(this.context.secrets, () => this.host?.secrets);
    this.panel = new DashboardPanel({
      extensionUri: this.context.extensionUri,
      api: () => this.api(),
      unavailable: () => this.problem,
    });
    subscriptions.push(this.panel);
    // Created now, so the dashboard has its entry in Podman Desktop's navigation from the start.
    await this.panel.create();
    subscriptions.push(
      ...registerCommands({
        openDashboard: () => this.panel.open(),
        api: () => this.api(),
        gatewayUrl: () => this.host?.gatewayUrl,
      }),
    );
    this.connections = new PodmanConnections();
    subscriptions.push(
      this.connections,
      this.connections.onDidChange((connection) => {
        this.restart(connection);
      }),
      configuration.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration(SETTINGS_SECTION)) this.restart(this.connections.connection);
      }),
    );
    // Started, not awaited: Podman Desktop gives activate() 20 s and fails the extension past
    // them, and an engine that does not answer can take longer. Problems show in the status bar
    // and the dashboard, and in boxes nothing waits on.
    this.restart(this.connections.connection);
  }

  /** Stop the gateway; the servers' containers stay as the user configured them. */
  async deactivate(): Promise<void> {
    await this.transition;
    await this.stopHost();
  }

  private api(): McpManagerApi | undefined {
    return this.host?.dashboard;
  }

  private restart(connection: ContainerProviderConnection | undefined): void {
    this.transition = this.transition.then(async () => {
      await this.stopHost();
      await this.startHost(connection);
    });
  }

  private async startHost(connection: ContainerProviderConnection | undefined): Promise<void> {
    const read = readSettings(configuration.getConfiguration(SETTINGS_SECTION), this.context.storagePath);
    if (!read.ok) {
      this.settings = undefined;
      this.problem = {
        code: 'CONFIG_INVALID',
        message: read.problems.join('\n'),
        hint: 'Fix these in Settings → Preferences → MCP Server Manager.',
      };
      this.statusBar.showMessage('MCP: settings invalid', read.problems.join('\n'), 'bad');
      tell('error', `MCP Server Manager settings are invalid:\n${read.problems.join('\n')}`);
      return;
    }
    this.settings = read.settings;
    this.refreshTelemetry();
    const engine = await this.engineSocket(connection);
    if (engine === undefined) {
      this.problem = NO_PODMAN;
      this.statusBar.showMessage('MCP: no Podman', 'Start a Podman machine to run MCP servers');
      return;
    }
    try {
      const uiDir = Uri.joinPath(this.context.extensionUri, 'media').fsPath;
      const host = await ManagerHost.start({
        socketPath: engine.socketPath,
        ...(engine.note === undefined ? {} : { notices: [engine.note] }),
        settings: read.settings,
        storagePath: this.context.storagePath,
        secrets: this.secrets,
        telemetry: this.telemetry,
        ...(existsSync(uiDir) ? { uiDir } : {}),
        report: (message) => {
          tell('warning', message);
        },
      });
      this.host = host;
      await this.secrets.syncTo(host.secrets);
      const update = (): void => {
        this.statusBar.showServers(host.status(), host.notices);
      };
      const subscription = host.bus.on((event) => {
        this.panel.publish(event);
        if (event.type === 'server.state' || event.type === 'reconcile') update();
      });
      this.hostEvents = [subscription, new ImageTasks(host.bus)];
      update();
    } catch (error) {
      const failure = toMCPError(error);
      this.problem = {
        code: failure.code,
        message: failure.message,
        hint: failure.hint ?? 'See the extension log.',
      };
      this.statusBar.showMessage('MCP: not running', failure.toDisplayString(), 'bad');
      tell('error', `MCP Server Manager could not start: ${failure.toDisplayString()}`);
    }
  }

  /**
   * The Podman API to run on: the running Podman connection Podman Desktop lists, else one that
   * core's discovery finds answering (as root, Podman Desktop's Podman extension lists none for
   * /run/podman/podman.sock), said in a notice so the user knows which.
   */
  private async engineSocket(
    connection: ContainerProviderConnection | undefined,
  ): Promise<{ socketPath: string; note?: string } | undefined> {
    if (connection !== undefined) return { socketPath: connection.endpoint.socketPath };
    const found = await this.discover();
    if (found === undefined) return undefined;
    return {
      socketPath: found,
      note: `Podman Desktop lists no running Podman connection; MCP servers run on the Podman API at ${found}, which mcpman found answering.`,
    };
  }

  private async stopHost(): Promise<void> {
    for (const subscription of this.hostEvents.splice(0)) subscription.dispose();
    const host = this.host;
    this.host = undefined;
    await host?.stop();
  }
}
