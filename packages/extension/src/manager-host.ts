import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import {
  ConfigStore,
  EngineClient,
  PodmanSecretStore,
  VERSION,
  LogService,
  desktopOwner,
  loadConfigFile,
} from '@mcpman/core';
import type { EventBus, LoadedConfig, SecretStore, Telemetry } from '@mcpman/core';
import type { Disposable } from '@mcpman/protocol';
import type { Bridge } from '@mcpman/integrations';
import type { ServerStatus } from '@mcpman/shared';
import { Manager } from '@mcpman/manager';
import type { DashboardService, ManagerReport } from '@mcpman/manager';
import { effectiveGateway } from './gateway-settings.js';
import type { ExtensionSettings } from './settings.js';

export interface ManagerHostOptions {
  readonly socketPath: string;
  readonly settings: ExtensionSettings;
  readonly storagePath: string;
  readonly secrets: SecretStore;
  readonly telemetry: Telemetry;
  /** The built dashboard, for the browser view of the same gateway. */
  readonly uiDir?: string;
  /** Something the user should see (a config edit that did not apply). */
  readonly report: (message: string) => void;
  /** What the user should know about how the manager runs (shown in the status bar and dashboard). */
  readonly notices?: readonly string[];
}

/**
 * The mcpman command on the PATH, as the stdio bridge for clients that can only spawn a command:
 * the extension has no CLI of its own to offer them (without one, the Clients page says so).
 */
export function installedBridge(env: NodeJS.ProcessEnv): { bridge?: Bridge } {
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    const command = join(dir, process.platform === 'win32' ? 'mcpman.cmd' : 'mcpman');
    if (isAbsolute(dir) && existsSync(command)) return { bridge: { command, prefix: [] } };
  }
  return {};
}

/**
 * The manager inside Podman Desktop: the same composition root as `mcpman up` (`Manager`), on
 * the Podman connection's API socket, as its own owner (`desktop`): `mcpman up` of any config
 * file on the same engine keeps its servers and leaves the extension's alone. It adds only what
 * is the extension's: its settings over the file's gateway, its storage folder, SecretStorage
 * and Podman Desktop's telemetry. Stopping it closes the gateway and leaves the servers'
 * containers as they are; the next start adopts them by their labels.
 */
export class ManagerHost implements Disposable {
  private readonly engine: EngineClient;
  /** Podman secrets on this connection, where servers read them. */
  readonly secrets: PodmanSecretStore;
  private manager: Manager | undefined;
  private url: URL | undefined;
  private gatewayNotices: readonly string[] = [];

  private constructor(private readonly options: ManagerHostOptions) {
    this.engine = new EngineClient({ socketPath: options.socketPath });
    this.secrets = new PodmanSecretStore(this.engine);
  }

  static async start(options: ManagerHostOptions): Promise<ManagerHost> {
    const host = new ManagerHost(options);
    try {
      await host.run();
      return host;
    } catch (error) {
      await host.stop();
      throw error;
    }
  }

  get bus(): EventBus {
    return this.running().runtime.bus;
  }

  get dashboard(): DashboardService | undefined {
    return this.manager?.controlPlane?.dashboard;
  }

  get gatewayUrl(): URL | undefined {
    return this.url;
  }

  status(): ServerStatus[] {
    return this.running().runtime.status();
  }

  /** Where the settings asked for less than the config file, which won (see effectiveGateway). */
  get notices(): readonly string[] {
    return this.gatewayNotices;
  }

  private running(): Manager {
    if (this.manager === undefined) throw new Error('the manager has not started');
    return this.manager;
  }

  private async run(): Promise<void> {
    const { settings, storagePath } = this.options;
    await this.engine.ping();
    const loaded = await this.loadOrCreateConfig(settings.configFile);
    const { gateway, notices } = effectiveGateway(loaded.config.gateway, settings);
    this.gatewayNotices = [...(this.options.notices ?? []), ...notices];
    for (const notice of notices) this.options.report(notice);
    // The same log as the CLI's manager, as JSON lines in the extension's storage.
    const logs = new LogService({
      settings: loaded.config.logging,
      file:
        loaded.config.logging.file === undefined
          ? join(storagePath, 'logs', 'mcpman.log')
          : resolve(loaded.dir, loaded.config.logging.file),
    });
    const manager = new Manager({
      loaded,
      gateway,
      engine: this.engine,
      owner: desktopOwner(settings.configFile),
      clientInfo: { name: 'mcpman-podman-desktop', version: VERSION },
      logDir: join(storagePath, 'logs'),
      stateDir: storagePath,
      defaultTokensFile: join(storagePath, 'tokens.json'),
      logs,
      telemetry: this.options.telemetry,
      // The file's listen address, so a setting cannot widen it; the port is the setting's.
      port: settings.gatewayPort,
      dashboard: {
        secrets: this.options.secrets,
        ...installedBridge(process.env),
        ...(this.options.uiDir === undefined ? {} : { uiDir: this.options.uiDir }),
      },
      // Podman Desktop owns the extension's life: the API cannot end it.
      shutdown: () => undefined,
      notices: () => this.gatewayNotices,
      report: (event) => {
        const message = reportText(event);
        if (message !== undefined) this.options.report(message);
      },
    });
    this.manager = manager;
    this.url = await manager.start();
    // Returns once the plan is made; servers come up in the background, as events.
    await manager.apply(false);
  }

  private async loadOrCreateConfig(path: string): Promise<LoadedConfig> {
    if (!existsSync(path)) {
      await mkdir(dirname(path), { recursive: true });
      const store = new ConfigStore(path);
      const empty = await store.loadOrEmpty();
      await writeFile(path, empty.text, { flag: 'wx' }).catch(() => undefined);
    }
    return loadConfigFile(path);
  }

  async stop(): Promise<void> {
    await this.manager?.stop('keep');
    this.manager = undefined;
  }

  dispose(): void {
    void this.stop();
  }
}

/** What the user is told of the manager's reports (a renewed certificate is news to nobody). */
function reportText(event: ManagerReport): string | undefined {
  switch (event.kind) {
    case 'config-not-applied':
      return `Config not applied, keeping the running one: ${event.message}`;
    case 'tls':
      return event.ok ? undefined : event.message;
    case 'insecure':
      return event.message;
  }
}
