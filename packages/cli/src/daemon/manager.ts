import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import {
  DirectorySecretValues,
  EngineClient,
  VERSION,
  PodmanSecretStore,
  ownerForConfig,
  defaultTokensFile,
} from '@mcpman/core';
import { serverLogDir, toMCPError } from '@mcpman/protocol';
import type { LoadedConfig } from '@mcpman/core';
import { Manager } from '@mcpman/manager';
import type { ManagerReport } from '@mcpman/manager';
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
 * What it runs is the shared composition root (`Manager`); this adds the terminal, the signals
 * and the daemon record.
 */
export async function runManager(options: ManagerOptions): Promise<ExitCodeValue> {
  const { io } = options;
  const configPath = options.loaded.path;
  const bare = options.withoutEngine;
  // Podman and its secrets; or, for `mcpman gateway`, no engine and secrets read from files.
  const runsOn =
    bare === undefined
      ? ({ kind: 'podman', engine: await EngineClient.connect(io.env) } as const)
      : ({ kind: 'files', fileSecrets: new DirectorySecretValues(bare.secretsDir) } as const);
  const engine = runsOn.kind === 'podman' ? runsOn.engine : undefined;
  const fileSecrets = runsOn.kind === 'files' ? runsOn.fileSecrets : undefined;
  // Everything this manager creates carries its config file's owner id, so managers of other
  // files (and the Podman Desktop extension) sharing the engine never touch it, nor it theirs.
  const owner = ownerForConfig(configPath);
  const state = managerDir(owner, io.env);
  const logs = createLogService(options.loaded, io, state);
  const log = logs.component('manager');
  const stop = stopSignal();
  const manager = new Manager({
    loaded: options.loaded,
    engine,
    ...(fileSecrets === undefined ? {} : { secretValues: fileSecrets }),
    owner,
    clientInfo: { name: 'mcpman', version: VERSION },
    logDir: serverLogDir(owner.id, io.env),
    stateDir: stateDir(io.env),
    defaultTokensFile: defaultTokensFile(io.env),
    logs,
    telemetry: cliTelemetry(options.loaded, state),
    port: options.port,
    grpcPort: options.grpcPort,
    insecure: options.insecure === true,
    controlSocket: controlSocketPath(owner, io.env),
    dashboard: {
      secrets: runsOn.kind === 'podman' ? new PodmanSecretStore(runsOn.engine) : runsOn.fileSecrets,
      bridge: THIS_BRIDGE,
      ...uiFolder(),
    },
    shutdown: () => {
      stop.trigger('shutdown requested');
    },
    report: (event) => {
      reportToConsole(event, io);
    },
  });
  const runtime = manager.runtime;
  const reporter = new ProgressReporter(
    io,
    Object.keys(options.loaded.config.servers),
    options.verbose === true,
  );
  const subscription = runtime.bus.on((event) => {
    reporter.handle(event);
  });
  try {
    const url = await manager.start().catch(async (error: unknown) => {
      throw namePortHolder(error, await listDaemonRecords(io.env));
    });
    const grpc = manager.gateway?.grpcAddress;
    await writeDaemonRecord(
      {
        pid: process.pid,
        url: url.toString(),
        configPath,
        ownerId: owner.id,
        startedAt: Date.now(),
        socket: controlSocketPath(owner, io.env),
        ...(grpc === undefined ? {} : { grpc }),
      },
      io.env,
    );
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
      `mcpman ${VERSION}: managing ${configPath}; gateway at ${url.toString()}mcp${grpc === undefined ? '' : ` and grpc://${grpc}`}, API at ${url.toString()}api/v1, dashboard at ${dashboardLine(manager, options.loaded.config.gateway)}\n`,
    );
    await Promise.race([manager.apply(true), stop.promise]);
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
    stop.dispose();
    // A second Ctrl-C while cleaning up means "now".
    const force = (): void => process.exit(130);
    process.once('SIGINT', force);
    await manager.stop('remove', (error: unknown) => {
      io.stderr(`mcpman: clean-up incomplete: ${toMCPError(error).message}; run \`mcpman down\`\n`);
    });
    process.off('SIGINT', force);
    subscription.dispose();
    reporter.stop();
    await removeDaemonRecord(owner, process.pid, io.env);
  }
}

/** What the manager reports goes to the terminal (or the daemon log) of whoever started it. */
function reportToConsole(event: ManagerReport, io: CliIO): void {
  switch (event.kind) {
    case 'config-not-applied':
      io.stderr(`mcpman: config not applied, keeping the running one:\n${event.message}\n`);
      return;
    case 'tls':
      (event.ok ? io.stdout : io.stderr)(`mcpman: ${event.message}\n`);
      return;
    case 'insecure':
      io.stderr(
        `mcpman: WARNING: --insecure: ${event.message}; anyone who can reach these ports can use every server\n`,
      );
  }
}

/**
 * Where the dashboard is. Without authentication, the URL carries this run's key (changes need
 * it); the line goes to the owner's terminal or owner-only daemon log. With authentication on,
 * an admin token is the way in and no key is printed (a cluster's pod log is read by others).
 */
function dashboardLine(manager: Manager, gateway: LoadedConfig['config']['gateway']): string {
  const url = manager.gateway?.url?.toString() ?? '';
  if (gateway.auth.mode !== 'none' || gateway.tls?.clientCa !== undefined) return url;
  return `${manager.controlPlane?.dashboardUrl() ?? url} (its key lets the page make changes; \`mcpman dashboard\` opens it again)`;
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
