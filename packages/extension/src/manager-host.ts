import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  ConfigStore,
  EngineClient,
  McpRuntime,
  PodmanSecretStore,
  TokenStore,
  VERSION,
  loadConfigFile,
  toMCPError,
  trackEvents,
  watchConfigFile,
} from '@mcpman/core';
import type {
  Disposable,
  EventBus,
  GatewayConfig,
  LoadedConfig,
  SecretStore,
  ServerStatus,
  Telemetry,
} from '@mcpman/core';
import {
  GATEWAY_CLIENT_CAPABILITIES,
  GatewayServer,
  RuntimeDirectory,
  loadTlsMaterial,
  parseListen,
  runtimeBackend,
} from '@mcpman/gateway';
import type { DashboardService } from '@mcpman/gateway';
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
}

/**
 * The manager inside Podman Desktop: the same core runtime and gateway as `mcpman up`, on the
 * Podman connection's API socket. Stopping it closes the gateway and leaves the servers'
 * containers as they are; the next start adopts them by their labels.
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

  private constructor(private readonly options: ManagerHostOptions) {
    this.engine = new EngineClient({ socketPath: options.socketPath });
    this.secrets = new PodmanSecretStore(this.engine);
    this.runtime = new McpRuntime({
      engine: this.engine,
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

  private async run(): Promise<void> {
    const { settings } = this.options;
    await this.engine.ping();
    const loaded = await this.loadOrCreateConfig(settings.configFile);
    const gateway = this.gatewayConfig(loaded.config.gateway);
    const listen = { ...parseListen(gateway.listen), port: settings.gatewayPort };
    const configPath = loaded.path;
    const management = runtimeBackend({
      runtime: this.runtime,
      engine: this.engine,
      configPath,
      startedAt: Date.now(),
      // Podman Desktop owns the extension's life: the API cannot end it.
      shutdown: () => undefined,
    });
    this.server = new GatewayServer({
      config: gateway,
      directory: new RuntimeDirectory(this.runtime),
      serverInfo: { name: 'mcpman', version: VERSION },
      listen,
      // gRPC on a free port: the dashboard's gateway page shows the address.
      grpcListen: { ...parseListen(gateway.grpc.listen), port: 0 },
      management,
      stateDir: this.options.storagePath,
      tokens: new TokenStore(join(this.options.storagePath, 'tokens.json')),
      dashboard: {
        configPath,
        secrets: this.options.secrets,
        ...(this.options.uiDir === undefined ? {} : { uiDir: this.options.uiDir }),
      },
      ...(gateway.tls === undefined ? {} : { tls: await loadTlsMaterial(gateway.tls, loaded.dir) }),
    });
    this.url = await this.server.start();
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

  /** The extension's settings win over the file's gateway section (port, TLS, auth mode). */
  private gatewayConfig(fromFile: GatewayConfig): GatewayConfig {
    const { settings } = this.options;
    return {
      ...fromFile,
      auth: { ...fromFile.auth, mode: settings.authMode },
      ...(settings.tls === undefined
        ? {}
        : {
            tls: {
              minVersion: 'TLSv1.2' as const,
              ...fromFile.tls,
              cert: settings.tls.cert,
              key: settings.tls.key,
            },
          }),
    };
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
  }

  dispose(): void {
    void this.stop();
  }
}
