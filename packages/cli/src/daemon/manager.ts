import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import {
  ConfigError,
  DirectorySecretValues,
  EngineClient,
  McpRuntime,
  FileTokenStore,
  VERSION,
  PodmanSecretStore,
  ownerForConfig,
  serverLogDir,
  defaultTokensFile,
  fillGatewaySecrets,
  logEvents,
  logServerMessage,
  toMCPError,
  trackEvents,
  watchConfigFile,
} from '@mcpman/core';
import type { Disposable, JsonObject, LoadedConfig } from '@mcpman/core';
import {
  GATEWAY_CLIENT_CAPABILITIES,
  GatewayServer,
  exposureProblem,
  RuntimeDirectory,
  loadTlsMaterial,
  grpcListenOf,
  parseListen,
  runtimeBackend,
} from '@mcpman/gateway';
import type { DashboardSetup, ManagementBackend } from '@mcpman/gateway';
import { ExitCode } from '../io.js';
import type { CliIO, ExitCodeValue } from '../io.js';
import { ProgressReporter } from '../output/reporter.js';
import { cliTelemetry, createLogService } from './manager-log.js';
import { THIS_BRIDGE } from '../commands/clients.js';
import {
  controlSocketPath,
  listDaemonRecords,
  managerDir,
  removeDaemonRecord,
  stateDir,
  writeDaemonRecord,
} from './state.js';
import { namePortHolder } from './port-holder.js';

/** `--port` and `--grpc-port`: the listen ports, overriding the config's. */
export interface ListenOverrides {
  readonly port?: number | undefined;
  readonly grpcPort?: number | undefined;
  /** Allow listening beyond loopback without TLS and authentication. */
  readonly insecure?: boolean | undefined;
}

export interface ManagerOptions extends ListenOverrides {
  readonly loaded: LoadedConfig;
  readonly verbose?: boolean;
  readonly io: CliIO;
  /** `mcpman gateway`: no Podman, url: servers only, their secrets read from this folder. */
  readonly withoutEngine?: { readonly secretsDir: string };
}

/** Resolves with the reason the manager should stop. */
function stopSignal(): { promise: Promise<string>; trigger: (reason: string) => void; dispose: () => void } {
  let trigger: (reason: string) => void = () => undefined;
  const promise = new Promise<string>((resolve) => {
    trigger = resolve;
  });
  const onSignal = (signal: NodeJS.Signals): void => {
    trigger(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    promise,
    trigger: (reason) => {
      trigger(reason);
    },
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/**
 * The manager: runs the servers of a config, serves the management API, applies edits of the
 * config file as they happen, and stops cleanly (servers removed) on Ctrl-C, SIGTERM or a
 * shutdown request. `mcpman up` runs it in the foreground; `up --detach` in the background.
 */
export async function runManager(options: ManagerOptions): Promise<ExitCodeValue> {
  const { io } = options;
  const configPath = options.loaded.path;
  const startedAt = Date.now();
  const bare = options.withoutEngine;
  const engine = bare === undefined ? await EngineClient.connect(io.env) : undefined;
  const fileSecrets = bare === undefined ? undefined : new DirectorySecretValues(bare.secretsDir);
  // Everything this manager creates carries its config file's owner id, so managers of other
  // files (and the Podman Desktop extension) sharing the engine never touch it, nor it theirs.
  const owner = ownerForConfig(configPath);
  const runtime = new McpRuntime({
    engine,
    ...(fileSecrets === undefined ? {} : { secrets: fileSecrets }),
    owner,
    logDir: serverLogDir(owner.id, io.env),
    clientInfo: { name: 'mcpman', version: VERSION },
    clientCapabilities: GATEWAY_CLIENT_CAPABILITIES,
  });
  const reporter = new ProgressReporter(
    io,
    Object.keys(options.loaded.config.servers),
    options.verbose === true,
  );
  const subscription = runtime.bus.on((event) => {
    reporter.handle(event);
  });
  const state = managerDir(owner, io.env);
  const logs = createLogService(options.loaded, io, state);
  const log = logs.component('manager');
  const logged = logEvents(runtime.bus, logs);
  const telemetry = cliTelemetry(options.loaded, state);
  const tracked = trackEvents(runtime.bus, telemetry);
  telemetry.track('manager.start', { servers: Object.keys(options.loaded.config.servers).length });
  const stop = stopSignal();

  const backend: ManagementBackend = runtimeBackend({
    runtime,
    engine,
    configPath,
    startedAt,
    shutdown: () => {
      stop.trigger('shutdown requested');
    },
  });

  let server: GatewayServer | undefined;
  let watcher: Disposable | undefined;
  try {
    server = await createGatewayServer(
      options,
      runtime,
      backend,
      (name, params) => {
        logServerMessage(logs, name, params);
      },
      {
        configPath,
        secrets: fileSecrets ?? new PodmanSecretStore(runtime.engine),
        bridge: THIS_BRIDGE,
        ...uiFolder(),
      },
    );
    const url = await server.start().catch(async (error: unknown) => {
      throw namePortHolder(error, await listDaemonRecords(io.env));
    });
    const grpc = server.grpcAddress;
    await writeDaemonRecord(
      {
        pid: process.pid,
        url: url.toString(),
        configPath,
        ownerId: owner.id,
        startedAt,
        socket: controlSocketPath(owner, io.env),
        ...(grpc === undefined ? {} : { grpc }),
      },
      io.env,
    );
    const tls = options.loaded.config.gateway.tls;
    if (tls !== undefined) {
      const gatewayLog = logs.component('gateway');
      server.watchTls(tls, options.loaded.dir, (event) => {
        (event.ok ? io.stdout : io.stderr)(`mcpman: ${event.message}\n`);
        gatewayLog[event.ok ? 'info' : 'warn']({ tls: true }, event.message);
      });
    }
    log.info(
      {
        version: VERSION,
        configPath,
        url: url.toString(),
        grpc: grpc ?? null,
        engine: engine?.socketPath ?? null,
      },
      'manager started',
    );
    io.stdout(
      `mcpman ${VERSION}: managing ${configPath}; gateway at ${url.toString()}mcp${grpc === undefined ? '' : ` and grpc://${grpc}`}, API at ${url.toString()}api/v1, dashboard at ${dashboardLine(server, options.loaded.config.gateway)}\n`,
    );
    watcher = watchConfigFile(configPath, () => {
      backend.reload().catch((error: unknown) => {
        const message =
          error instanceof ConfigError ? error.toDisplayString() : toMCPError(error).toDisplayString();
        io.stderr(`mcpman: config not applied, keeping the running one:\n${message}\n`);
        log.debug({ configPath }, 'config edit not applied (see the console)');
      });
    });
    await Promise.race([runtime.apply(options.loaded), stop.promise]);
    const servers = runtime.status();
    const ready = servers.filter((s) => s.state === 'ready').length;
    io.stdout(
      `${ready}/${servers.length} servers ready${ready === servers.length ? '' : ' (see the reasons above)'}; Ctrl-C stops them\n`,
    );
    const reason = await stop.promise;
    io.stdout(
      `stopping (${reason}): ${engine === undefined ? "closing the servers' sessions" : "removing the servers' containers"}\n`,
    );
    log.info({ reason }, 'manager stopping');
    return ExitCode.Ok;
  } catch (error) {
    const failure = toMCPError(error);
    io.stderr(`mcpman: ${failure.toDisplayString()}\n`);
    log.error({ code: failure.code }, failure.message);
    return ExitCode.Failure;
  } finally {
    watcher?.dispose();
    stop.dispose();
    // A second Ctrl-C while cleaning up means "now".
    const force = (): void => process.exit(130);
    process.once('SIGINT', force);
    await runtime.down().catch((error: unknown) => {
      io.stderr(`mcpman: clean-up incomplete: ${toMCPError(error).message}; run \`mcpman down\`\n`);
    });
    process.off('SIGINT', force);
    subscription.dispose();
    reporter.stop();
    runtime.dispose();
    await server?.close();
    await removeDaemonRecord(owner, process.pid, io.env);
    telemetry.track('manager.stop', { uptimeSeconds: (Date.now() - startedAt) / 1000 });
    tracked.dispose();
    logged.dispose();
    await logs.flush();
  }
}

/** The gateway of the config, with the command line's port overrides and its TLS files read. */
async function createGatewayServer(
  options: ManagerOptions,
  runtime: McpRuntime,
  management: ManagementBackend,
  onServerMessage: (server: string, params: JsonObject) => void,
  dashboard: DashboardSetup,
): Promise<GatewayServer> {
  // Redis passwords and collector keys are named as secrets in the file, filled only here.
  const config = await fillGatewaySecrets(options.loaded.config.gateway, runtime.secrets);
  const http = parseListen(config.listen);
  const listen = options.port === undefined ? http : { ...http, port: options.port };
  const grpcListen = grpcListenOf(config.grpc.listen, listen, options.grpcPort);
  const exposure = exposureProblem(
    config,
    config.grpc.enabled ? [listen, grpcListen.address] : [listen],
    config.tls !== undefined,
  );
  if (exposure !== undefined && options.insecure === true) {
    options.io.stderr(
      `mcpman: WARNING: --insecure: ${exposure}; anyone who can reach these ports can use every server\n`,
    );
  }
  const tokensFile = config.auth.tokensFile;
  return new GatewayServer({
    insecure: options.insecure === true,
    stateDir: stateDir(options.io.env),
    tokens: new FileTokenStore(
      tokensFile === undefined ? defaultTokensFile(options.io.env) : resolve(options.loaded.dir, tokensFile),
    ),
    config,
    directory: new RuntimeDirectory(runtime),
    serverInfo: { name: 'mcpman', version: VERSION },
    listen,
    grpcListen,
    management,
    controlSocket: controlSocketPath(ownerForConfig(options.loaded.path), options.io.env),
    onServerMessage,
    dashboard,
    ...(config.tls === undefined ? {} : { tls: await loadTlsMaterial(config.tls, options.loaded.dir) }),
  });
}

/**
 * Where the dashboard is. Without authentication, the URL carries this run's key (changes need
 * it); the line goes to the owner's terminal or owner-only daemon log. With authentication on,
 * an admin token is the way in and no key is printed (a cluster's pod log is read by others).
 */
function dashboardLine(server: GatewayServer, gateway: LoadedConfig['config']['gateway']): string {
  if (gateway.auth.mode !== 'none' || gateway.tls?.clientCa !== undefined) return server.http.url.toString();
  return `${server.dashboardUrl()} (its key lets the page make changes; \`mcpman dashboard\` opens it again)`;
}

/** The built dashboard (packages/ui/dist), when this checkout has built it. */
function uiFolder(): { uiDir?: string } {
  try {
    const dir = resolve(dirname(createRequire(import.meta.url).resolve('@mcpman/ui/package.json')), 'dist');
    return existsSync(dir) ? { uiDir: dir } : {};
  } catch {
    return {};
  }
}
