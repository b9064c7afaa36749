import { resolve } from 'node:path';
import {
  FileTokenStore,
  McpRuntime,
  fillGatewaySecrets,
  logEvents,
  logServerMessage,
  trackEvents,
  watchConfigFile,
} from '@mcpman/core';
import { toMCPError } from '@mcpman/protocol';
import type {
  EngineClient,
  GatewayConfig,
  LoadedConfig,
  LogService,
  ManagerOwner,
  SecretValues,
  Telemetry,
} from '@mcpman/core';
import type { Disposable } from '@mcpman/protocol';
import type { Implementation } from '@mcpman/shared';
import {
  GATEWAY_CLIENT_CAPABILITIES,
  GatewayServer,
  exposureProblem,
  grpcListenOf,
  loadTlsMaterial,
  parseListen,
} from '@mcpman/gateway';
import type { ManagementBackend } from './api/management-api.js';
import { runtimeBackend } from './api/runtime-backend.js';
import { ControlPlane } from './control-plane.js';
import type { DashboardSetup } from './control-plane.js';
import { RuntimeDirectory } from './runtime-directory.js';

export interface ManagerAssembly {
  readonly loaded: LoadedConfig;
  /** The gateway config to serve, when a face adjusts the file's (the extension's settings). */
  readonly gateway?: GatewayConfig;
  /** The Podman engine; absent for url: servers only (`mcpman gateway`). */
  readonly engine: EngineClient | undefined;
  /** Where the manager reads secret values when there is no engine (files). */
  readonly secretValues?: SecretValues;
  readonly owner: ManagerOwner;
  /** How the manager introduces itself to servers. */
  readonly clientInfo: Implementation;
  /** Where stdio servers' logs go. */
  readonly logDir: string;
  /** Where the audit log and, by default, the token store live. */
  readonly stateDir: string;
  /** The token store when gateway.auth.tokensFile does not name one. */
  readonly defaultTokensFile: string;
  readonly logs: LogService;
  readonly telemetry: Telemetry;
  /** Command-line overrides of the listen ports. */
  readonly port?: number | undefined;
  readonly grpcPort?: number | undefined;
  /** Allow a listener beyond loopback without TLS and authentication (said through onInsecure). */
  readonly insecure?: boolean;
  readonly controlSocket?: string;
  readonly dashboard: Omit<DashboardSetup, 'configPath'>;
  /** What `POST /api/v1/shutdown` does. */
  readonly shutdown: () => void;
  readonly notices?: () => readonly string[];
  /** Something the owner should see: a config edit not applied, a TLS reload, the --insecure warning. */
  readonly report: (event: ManagerReport) => void;
}

export type ManagerReport =
  | { readonly kind: 'config-not-applied'; readonly message: string }
  | { readonly kind: 'tls'; readonly ok: boolean; readonly message: string }
  | { readonly kind: 'insecure'; readonly message: string };

/**
 * The one composition root of a manager: runtime, management backend, logs and telemetry,
 * the gateway with its control plane, TLS reloads and the config watch. `mcpman up` and the
 * Podman Desktop extension both run this, adding only what is their own (signals and the daemon
 * record; the status bar and the webview).
 */
export class Manager {
  readonly runtime: McpRuntime;
  readonly backend: ManagementBackend;
  private server: GatewayServer | undefined;
  private control: ControlPlane | undefined;
  private readonly subscriptions: Disposable[] = [];
  private watcher: Disposable | undefined;
  private readonly startedAt = Date.now();

  constructor(private readonly options: ManagerAssembly) {
    this.runtime = new McpRuntime({
      engine: options.engine,
      ...(options.secretValues === undefined ? {} : { secrets: options.secretValues }),
      owner: options.owner,
      logDir: options.logDir,
      clientInfo: options.clientInfo,
      clientCapabilities: GATEWAY_CLIENT_CAPABILITIES,
    });
    this.backend = runtimeBackend({
      runtime: this.runtime,
      engine: options.engine,
      configPath: options.loaded.path,
      startedAt: this.startedAt,
      shutdown: options.shutdown,
      ...(options.notices === undefined ? {} : { notices: options.notices }),
    });
    this.subscriptions.push(
      logEvents(this.runtime.bus, options.logs),
      trackEvents(this.runtime.bus, options.telemetry),
    );
    options.telemetry.track('manager.start', { servers: Object.keys(options.loaded.config.servers).length });
  }

  /** The gateway, once started. */
  get gateway(): GatewayServer | undefined {
    return this.server;
  }

  get controlPlane(): ControlPlane | undefined {
    return this.control;
  }

  /** Serve: the gateway and its control plane; then TLS reloads and config edits are followed. */
  async start(): Promise<URL> {
    const { loaded, logs } = this.options;
    // Redis passwords and collector keys are named as secrets in the file, filled only here.
    const gateway = await fillGatewaySecrets(
      this.options.gateway ?? loaded.config.gateway,
      this.runtime.secrets,
    );
    const http = parseListen(gateway.listen);
    const listen = this.options.port === undefined ? http : { ...http, port: this.options.port };
    const grpcListen = grpcListenOf(gateway.grpc.listen, listen, this.options.grpcPort);
    const exposure = exposureProblem(
      gateway,
      gateway.grpc.enabled ? [listen, grpcListen.address] : [listen],
      gateway.tls !== undefined,
    );
    if (exposure !== undefined && this.options.insecure === true)
      this.options.report({ kind: 'insecure', message: exposure });
    const server = new GatewayServer({
      insecure: this.options.insecure === true,
      stateDir: this.options.stateDir,
      tokens: new FileTokenStore(tokensFileOf(gateway, loaded, this.options.defaultTokensFile)),
      config: gateway,
      directory: new RuntimeDirectory(this.runtime),
      serverInfo: { name: 'mcpman', version: this.options.clientInfo.version },
      listen,
      grpcListen,
      onServerMessage: (name, params) => {
        logServerMessage(logs, name, params);
      },
      metricsSources: {
        servers: () => this.backend.servers(),
        bus: this.backend.bus,
        containerStats: () => this.backend.containerStats?.() ?? Promise.resolve({}),
      },
      ...(gateway.tls === undefined ? {} : { tls: await loadTlsMaterial(gateway.tls, loaded.dir) }),
    });
    this.server = server;
    const control = new ControlPlane(server, {
      management: this.backend,
      ...(this.options.controlSocket === undefined ? {} : { controlSocket: this.options.controlSocket }),
      dashboard: { ...this.options.dashboard, configPath: loaded.path },
    });
    this.control = control;
    await control.start();
    const url = await server.start();
    // A renewed certificate is served from the next handshake on.
    if (gateway.tls !== undefined) {
      const gatewayLog = logs.component('gateway');
      server.watchTls(gateway.tls, loaded.dir, (event) => {
        gatewayLog[event.ok ? 'info' : 'warn']({ tls: true }, event.message);
        this.options.report({ kind: 'tls', ...event });
      });
    }
    this.watcher = watchConfigFile(loaded.path, () => {
      this.backend.reload().catch((error: unknown) => {
        logs.component('manager').debug({ configPath: loaded.path }, 'config edit not applied');
        this.options.report({ kind: 'config-not-applied', message: toMCPError(error).toDisplayString() });
      });
    });
    return url;
  }

  /** Run the config's servers; with `settle`, resolves once each is ready or has failed. */
  apply(settle: boolean): Promise<void> {
    return this.runtime.apply(this.options.loaded, { settle });
  }

  /**
   * Stop serving. `remove`: the servers' containers go too (`mcpman up` ending); `keep`: they
   * stay for the next start to adopt (the extension deactivating).
   */
  async stop(servers: 'remove' | 'keep', onCleanupError?: (error: unknown) => void): Promise<void> {
    this.watcher?.dispose();
    if (servers === 'remove') await this.runtime.down().catch(onCleanupError ?? (() => undefined));
    else await this.runtime.releaseAll();
    this.runtime.dispose();
    await this.server?.close();
    await this.control?.close();
    this.options.telemetry.track('manager.stop', { uptimeSeconds: (Date.now() - this.startedAt) / 1000 });
    for (const subscription of this.subscriptions.splice(0)) subscription.dispose();
    await this.options.logs.flush();
  }
}

/** The one rule for where API tokens live: the config's tokensFile (beside the file), else the face's default. */
export function tokensFileOf(gateway: GatewayConfig, loaded: LoadedConfig, fallback: string): string {
  const named = gateway.auth.tokensFile;
  return named === undefined ? fallback : resolve(loaded.dir, named);
}
