import { spawn } from 'node:child_process';
import { closeSync, fchmodSync, openSync, readFileSync, statSync } from 'node:fs';
import { chmod, mkdir, open } from 'node:fs/promises';
import { TRANSITIONAL_STATES, ownerForConfig } from '@mcpman/core';
import { MCPError, MCPErrorCode } from '@mcpman/protocol';
import type { LoadedConfig, ManagerOwner } from '@mcpman/core';
import type { ServerStatus } from '@mcpman/shared';
import { ExitCode } from '../io.js';
import type { CliIO, ExitCodeValue } from '../io.js';
import { reportError } from '../errors.js';
import { ManagementClient } from '../daemon/client.js';
import { runManager } from '../daemon/manager.js';
import type { ListenOverrides } from '../daemon/manager.js';
import {
  daemonLogPath,
  isProcessAlive,
  managerDir,
  managerEndpoint,
  readDaemonRecord,
} from '../daemon/state.js';
import { ProgressReporter } from '../output/reporter.js';
import { chooseManager, loadConfig } from './context.js';
import { SELF_ENTRY } from '../self.js';

export interface UpOptions {
  readonly file?: string;
  readonly port?: string;
  readonly grpcPort?: string;
  readonly detach?: boolean;
  readonly verbose?: boolean;
  readonly insecure?: boolean;
}

function parsePort(flag: string, port: string | undefined): number | undefined {
  if (port === undefined) return undefined;
  const value = Number(port);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    throw new MCPError(MCPErrorCode.ConfigInvalid, `${flag} ${port} is not a port number (0-65535)`);
  }
  return value;
}

/** New bytes of a growing file, from where the last read stopped. */
class LogTail {
  constructor(
    private readonly path: string,
    private offset: number,
  ) {}

  async read(): Promise<string> {
    const handle = await open(this.path, 'r');
    try {
      const { size } = await handle.stat();
      if (size <= this.offset) return '';
      const buffer = Buffer.alloc(size - this.offset);
      await handle.read(buffer, 0, buffer.length, this.offset);
      this.offset = size;
      return buffer.toString('utf8');
    } finally {
      await handle.close();
    }
  }
}

/**
 * Show what the manager does until every server of the config (`expected`) is listed and has
 * settled (ready, failed or stopped), then a summary; exit 0 when all are ready. A manager this
 * command started is followed through its log (so nothing it did before we looked is missed);
 * one already running, through its events. A server not listed yet is one the manager has not
 * planned yet (it answers before its first reconcile is through), not one that settled.
 */
async function followUntilSettled(
  client: ManagementClient,
  io: CliIO,
  expected: readonly string[],
  verbose: boolean,
  log?: LogTail,
  timeoutMs = 15 * 60_000,
): Promise<ExitCodeValue> {
  const abort = new AbortController();
  const servers = await client.servers();
  const reporter = new ProgressReporter(
    io,
    [...new Set([...expected, ...servers.map((s) => s.name)])],
    verbose,
  );
  const events =
    log === undefined
      ? client
          .events((event) => {
            if (event.type !== 'snapshot') reporter.handle(event);
          }, abort.signal)
          .catch(() => undefined)
      : Promise.resolve();
  const deadline = Date.now() + timeoutMs;
  let latest: ServerStatus[] = servers;
  try {
    while (Date.now() < deadline) {
      if (log !== undefined) io.stdout(await log.read());
      latest = await client.servers();
      const planned = expected.every((name) => latest.some((server) => server.name === name));
      if (planned && !latest.some((server) => TRANSITIONAL_STATES.has(server.state))) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    if (log !== undefined) io.stdout(await log.read());
  } finally {
    abort.abort();
    await events;
    reporter.stop();
  }
  const ready = latest.filter((s) => s.state === 'ready').length;
  io.stdout(
    `${ready}/${latest.length} servers ready; the manager runs in the background (\`mcpman down\` in this folder or with -f stops it)\n`,
  );
  for (const server of latest.filter((s) => s.state !== 'ready'))
    io.stdout(`  ${server.name}: ${server.state}: ${server.reason}\n`);
  return ready === latest.length ? ExitCode.Ok : ExitCode.Failure;
}

/** Start the manager in the background and wait until it answers. */
async function spawnDaemon(
  configPath: string,
  owner: ManagerOwner,
  ports: ListenOverrides,
  io: CliIO,
): Promise<{ client: ManagementClient; log: LogTail }> {
  // Owner-only: the log holds the dashboard URL with this run's key.
  await mkdir(managerDir(owner, io.env), { recursive: true, mode: 0o700 });
  await chmod(managerDir(owner, io.env), 0o700);
  const logPath = daemonLogPath(owner, io.env);
  const log = openSync(logPath, 'a', 0o600);
  fchmodSync(log, 0o600);
  const offset = statSync(logPath).size;
  const args = [
    SELF_ENTRY,
    'up',
    '-f',
    configPath,
    ...(ports.port === undefined ? [] : ['--port', String(ports.port)]),
    ...(ports.grpcPort === undefined ? [] : ['--grpc-port', String(ports.grpcPort)]),
    ...(ports.insecure === true ? ['--insecure'] : []),
  ];
  const child = spawn(process.execPath, args, {
    detached: true,
    stdio: ['ignore', log, log],
    env: io.env,
    cwd: io.cwd,
  });
  closeSync(log);
  child.unref();
  const pid = child.pid ?? -1;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const record = await readDaemonRecord(owner.id, io.env);
    if (record?.pid === pid)
      return { client: new ManagementClient(managerEndpoint(record)), log: new LogTail(logPath, offset) };
    if (!isProcessAlive(pid)) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const tail = readFileSync(logPath, 'utf8').trim().split('\n').slice(-10).join('\n');
  throw new MCPError(MCPErrorCode.Internal, `the background manager did not start:\n${tail}`, {
    hint: `Full log: ${logPath}`,
  });
}

/** `mcpman up` */
export async function upCommand(options: UpOptions, io: CliIO): Promise<ExitCodeValue> {
  try {
    const loaded = await loadConfig(options.file, io);
    const ports: ListenOverrides = {
      port: parsePort('--port', options.port),
      grpcPort: parsePort('--grpc-port', options.grpcPort),
      insecure: options.insecure === true,
    };
    // One manager per config file: another file's manager runs on beside this one.
    const owner = ownerForConfig(loaded.path);
    const { running, records } = await chooseManager(io, loaded.path);
    const others = records.filter((record) => record.ownerId !== owner.id);
    if (others.length > 0)
      io.stdout(
        `${others.length} other manager${others.length > 1 ? 's' : ''} running (${others.map((r) => r.configPath).join(', ')}): their servers are left alone\n`,
      );
    if (running !== undefined) {
      io.stdout(`a manager is already running (pid ${running.record.pid}); applying ${loaded.path}\n`);
      await running.client.reload();
      return await followUntilSettled(running.client, io, enabledServers(loaded), options.verbose === true);
    }
    if (options.detach === true) {
      const { client, log } = await spawnDaemon(loaded.path, owner, ports, io);
      io.stdout(`manager started in the background (log: ${daemonLogPath(owner, io.env)})\n`);
      return await followUntilSettled(client, io, enabledServers(loaded), options.verbose === true, log);
    }
    return await runManager({ loaded, ...ports, verbose: options.verbose, io });
  } catch (error) {
    return reportError(error, io, false);
  }
}

function enabledServers(loaded: LoadedConfig): string[] {
  return Object.entries(loaded.config.servers)
    .filter(([, server]) => server.enabled)
    .map(([name]) => name);
}

export interface GatewayOptions {
  readonly file?: string;
  readonly port?: string;
  readonly grpcPort?: string;
  readonly secretsDir?: string;
  readonly verbose?: boolean;
  readonly insecure?: boolean;
}

/** Where `mcpman gateway` reads secrets: a Kubernetes Secret volume in a cluster's gateway pod. */
export const DEFAULT_SECRETS_DIR = '/run/secrets/mcpman';

/**
 * `mcpman gateway`: only the gateway, without Podman, for configs whose servers are all url:
 * servers (the process a cluster's gateway pod runs). Foreground only; a container server in
 * the config is refused before anything starts.
 */
export async function gatewayCommand(options: GatewayOptions, io: CliIO): Promise<ExitCodeValue> {
  try {
    const loaded = await loadConfig(options.file, io);
    const containers = Object.entries(loaded.config.servers).filter(
      ([, server]) => server.enabled && server.source.type !== 'remote',
    );
    if (containers.length > 0) {
      throw new MCPError(
        MCPErrorCode.ConfigInvalid,
        `mcpman gateway runs url: servers only; ${containers.map(([name]) => `servers.${name}`).join(', ')} ${containers.length > 1 ? 'run' : 'runs'} in a container`,
        { hint: 'Use `mcpman up` for this config, or give each server a url: (see docs/kubernetes.md).' },
      );
    }
    return await runManager({
      loaded,
      port: parsePort('--port', options.port),
      grpcPort: parsePort('--grpc-port', options.grpcPort),
      insecure: options.insecure === true,
      verbose: options.verbose,
      io,
      withoutEngine: {
        secretsDir: options.secretsDir ?? nonEmpty(io.env['MCPMAN_SECRETS_DIR']) ?? DEFAULT_SECRETS_DIR,
      },
    });
  } catch (error) {
    return reportError(error, io, false);
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
