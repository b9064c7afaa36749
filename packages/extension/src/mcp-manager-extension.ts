import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { configuration, env, Uri, window } from '@podman-desktop/api';
import type { ContainerProviderConnection, ExtensionContext } from '@podman-desktop/api';
import { toMCPError } from '@mcpman/core';
import type { Disposable as CoreDisposable, Telemetry } from '@mcpman/core';
import type { McpManagerApi, RpcErrorBody } from '@mcpman/shared';
import { registerCommands } from './commands.js';
import { DashboardPanel } from './dashboard-panel.js';
import { ImageTasks } from './image-tasks.js';
import { ManagerHost } from './manager-host.js';
import { PodmanConnections } from './podman-connections.js';
import { SecretStorageStore } from './secret-storage-store.js';
import { SETTINGS_SECTION, readSettings } from './settings.js';
import type { ExtensionSettings } from './settings.js';
import { McpStatusBar } from './status-bar.js';
import { podmanDesktopTelemetry } from './telemetry.js';

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
  /** Podman Desktop's telemetry setting, as its logger reports it. */
  private usageAllowed: () => boolean = () => false;

  constructor(private readonly context: ExtensionContext) {}

  async activate(): Promise<void> {
    await mkdir(this.context.storagePath, { recursive: true });
    const subscriptions = this.context.subscriptions;
    this.statusBar = new McpStatusBar();
    subscriptions.push(this.statusBar);
    const logger = env.createTelemetryLogger();
    this.usageAllowed = () => logger.isUsageEnabled;
    const tracked = podmanDesktopTelemetry(logger, () => this.settings?.telemetry ?? false);
    this.telemetry = tracked.telemetry;
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
    this.restart(this.connections.connection);
    await this.transition;
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
      await window.showErrorMessage(`MCP Server Manager settings are invalid:\n${read.problems.join('\n')}`);
      return;
    }
    this.settings = read.settings;
    this.telemetry.setEnabled(this.usageAllowed() && read.settings.telemetry);
    if (connection === undefined) {
      this.problem = NO_PODMAN;
      this.statusBar.showMessage('MCP: no Podman', 'Start a Podman machine to run MCP servers');
      return;
    }
    try {
      const uiDir = Uri.joinPath(this.context.extensionUri, 'media').fsPath;
      const host = await ManagerHost.start({
        socketPath: connection.endpoint.socketPath,
        settings: read.settings,
        storagePath: this.context.storagePath,
        secrets: this.secrets,
        telemetry: this.telemetry,
        ...(existsSync(uiDir) ? { uiDir } : {}),
        report: (message) => {
          void window.showWarningMessage(message);
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
      await window.showErrorMessage(`MCP Server Manager could not start: ${failure.toDisplayString()}`);
    }
  }

  private async stopHost(): Promise<void> {
    for (const subscription of this.hostEvents.splice(0)) subscription.dispose();
    const host = this.host;
    this.host = undefined;
    await host?.stop();
  }
}
