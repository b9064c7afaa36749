import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import {
  ConfigStore,
  EngineClient,
  McpRuntime,
  PodmanSecretStore,
  FileTokenStore,
  VERSION,
  LogService,
  desktopOwner,
  fillGatewaySecrets,
  logEvents,
  logServerMessage,
  loadConfigFile,
  toMCPError,
  trackEvents,
  watchConfigFile,
} from '@mcpman/core';
import type { Bridge, Disposable, EventBus, LoadedConfig, SecretStore, Telemetry } from '@mcpman/core';
import type { ServerStatus } from '@mcpman/shared';
import {
  GATEWAY_CLIENT_CAPABILITIES,
  GatewayServer,
  RuntimeDirectory,
  loadTlsMaterial,
  parseListen,
  runtimeBackend,
} from '@mcpman/gateway';
import type { DashboardService } from '@mcpman/gateway';
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
 * The manager inside Podman Desktop: the same core runtime and gateway as `mcpman up`, on the
 * Podman connection's API socket, as its own owner (`desktop`): `mcpman up` of any config file
 * on the same engine keeps its servers and leaves the extension's alone. Stopping it closes the
 * gateway and leaves the servers' containers as they are; the next start adopts them by their
 * labels.
 */
export class ManagerHost implements Disposable {
  private readonly engine: EngineClient;
  readonly runtime: McpRuntime;
  /** Podman secrets on this connection, where servers read them. */
  readonly secrets: PodmanSecretStore;
  private server: GatewayServer | undefined;
  private watcher: Disposable | undefined;
  private tracked: Disposable | undefined;
  private url: URL | undefined;
  private gatewayNotices: readonly string[] = [];
  private logs: LogService | undefined;
  private logged: Disposable | undefined;

  private constructor(private readonly options: ManagerHostOptions) {
    this.engine = new EngineClient({ socketPath: options.socketPath });
    this.secrets = new PodmanSecretStore(this.engine);
    this.runtime = new McpRuntime({
      engine: this.engine,
      owner: desktopOwner(options.settings.configFile),
      logDir: join(options.storagePath, 'logs'),
      clientInfo: { name: 'mcpman-podman-desktop', version: VERSION },
      clientCapabilities: GATEWAY_CLIENT_CAPABILITIES,
    });
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
    return this.runtime.bus;
  }

  get dashboard(): DashboardService | undefined {
    return this.server?.dashboard;
  }

  get gatewayUrl(): URL | undefined {
    return this.url;
  }

  status(): ServerStatus[] {
    return this.runtime.status();
  }

  /** Where the settings asked for less than the config file, which won (see effectiveGateway). */
  get notices(): readonly string[] {
    return this.gatewayNotices;
  }

  private async run(): Promise<void> {
    const { settings } = this.options;
    await this.engine.ping();
    const loaded = await this.loadOrCreateConfig(settings.configFile);
    const { gateway, notices } = effectiveGateway(loaded.config.gateway, settings);
    this.gatewayNotices = [...(this.options.notices ?? []), ...notices];
    for (const notice of notices) this.options.report(notice);
    // The file's listen address, so a setting cannot widen it; the port is the setting's.
    const listen = { ...parseListen(gateway.listen), port: settings.gatewayPort };
    const configPath = loaded.path;
    const management = runtimeBackend({
      runtime: this.runtime,
      engine: this.engine,
      configPath,
      startedAt: Date.now(),
      // Podman Desktop owns the extension's life: the API cannot end it.
      shutdown: () => undefined,
      notices: () => this.gatewayNotices,
    });
    // The same log as the CLI's manager: state changes, reconciles, server output and the
    // servers' own MCP log messages, as JSON lines in the extension's storage.
    const logs = new LogService({
      settings: loaded.config.logging,
      file:
        loaded.config.logging.file === undefined
          ? join(this.options.storagePath, 'logs', 'mcpman.log')
          : resolve(loaded.dir, loaded.config.logging.file),
    });
    this.logs = logs;
    this.logged = logEvents(this.runtime.bus, logs);
    this.server = new GatewayServer({
      // Redis passwords and collector keys named as Podman secrets in the file, filled here.
      config: await fillGatewaySecrets(gateway, this.runtime.secrets),
      onServerMessage: (name, params) => {
        logServerMessage(logs, name, params);
      },
      directory: new RuntimeDirectory(this.runtime),
      serverInfo: { name: 'mcpman', version: VERSION },
      listen,
      management,
      stateDir: this.options.storagePath,
      tokens: new FileTokenStore(
        gateway.auth.tokensFile === undefined
          ? join(this.options.storagePath, 'tokens.json')
          : resolve(loaded.dir, gateway.auth.tokensFile),
      ),
      dashboard: {
        configPath,
        secrets: this.options.secrets,
        ...installedBridge(process.env),
        ...(this.options.uiDir === undefined ? {} : { uiDir: this.options.uiDir }),
      },
      ...(gateway.tls === undefined ? {} : { tls: await loadTlsMaterial(gateway.tls, loaded.dir) }),
    });
    this.url = await this.server.start();
    // A renewed certificate is served from the next handshake on, as under `mcpman up`.
    const tls = gateway.tls;
    if (tls !== undefined) {
      const gatewayLog = logs.component('gateway');
      this.server.watchTls(tls, loaded.dir, (event) => {
        gatewayLog[event.ok ? 'info' : 'warn']({ tls: true }, event.message);
        if (!event.ok) this.options.report(event.message);
      });
    }
    this.tracked = trackEvents(this.runtime.bus, this.options.telemetry);
    this.options.telemetry.track('manager.start', { servers: Object.keys(loaded.config.servers).length });
    this.watcher = watchConfigFile(configPath, () => {
      management.reload().catch((error: unknown) => {
        this.options.report(
          `Config not applied, keeping the running one: ${toMCPError(error).toDisplayString()}`,
        );
      });
    });
    // Returns once the plan is made; servers come up in the background, as events.
    await this.runtime.apply(loaded, { settle: false });
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
    this.watcher?.dispose();
    this.tracked?.dispose();
    await this.server?.close();
    this.server = undefined;
    await this.runtime.releaseAll();
    this.runtime.dispose();
    this.logged?.dispose();
    await this.logs?.flush();
  }

  dispose(): void {
    void this.stop();
  }
}
