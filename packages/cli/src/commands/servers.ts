import { existsSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import {
  ConfigStore,
  EngineClient,
  serverLogPath,
  LABEL,
  MANAGED_FILTER,
  McpRuntime,
  VERSION,
  containerName,
  formatSource,
  parseSourceString,
  resolveConfigPath,
  loadConfigFile,
  serverNameFrom,
  serverSecretNames,
  TRANSITIONAL_STATES,
  foreignServer,
  ownerForConfig,
  ownership,
  unmanagedStatus,
} from '@mcpman/core';
import { serverLogDir, MCPError, MCPErrorCode, secretRedactor } from '@mcpman/protocol';
import type { ForeignServer, LoadedConfig, ManagerOwner, ServerSource } from '@mcpman/core';
import { addFromCatalog } from './catalog.js';
import type { AddFromCatalogOptions } from './catalog.js';
import type { ProfileInfo, ServerStatus } from '@mcpman/shared';
import { stateCounts } from '@mcpman/manager';
import { ExitCode } from '../io.js';
import type { CliIO, ExitCodeValue } from '../io.js';
import { reportError } from '../errors.js';
import { isProcessAlive, managerEndpoint } from '../daemon/state.js';
import type { DaemonRecord } from '../daemon/state.js';
import { ManagementClient } from '../daemon/client.js';
import { age, paint, serverRows, table } from '../output/format.js';
import { chooseManager, connectEngine, severalManagers } from './context.js';
import type { ManagerChoice } from './context.js';

interface FileOption {
  readonly file?: string;
}
interface JsonOption {
  readonly json?: boolean;
}

function printJson(io: CliIO, value: unknown): void {
  io.stdout(`${JSON.stringify(value, null, 2)}\n`);
}

/** A runtime of `owner` for one command: its engine work, no servers run. Disposed after `fn`. */
async function withRuntime<T>(
  io: CliIO,
  owner: ManagerOwner,
  fn: (runtime: McpRuntime) => Promise<T>,
): Promise<T> {
  const engine = await connectEngine(io);
  const runtime = new McpRuntime({ engine, owner, clientInfo: { name: 'mcpman', version: VERSION } });
  try {
    return await fn(runtime);
  } finally {
    runtime.dispose();
  }
}

/** Server states without a manager: what the engine shows of `owner`'s containers. */
async function statesFromEngine(
  io: CliIO,
  names: readonly string[],
  owner: ManagerOwner,
): Promise<ServerStatus[]> {
  try {
    return await withRuntime(io, owner, (runtime) => runtime.unmanagedStatus(names));
  } catch {
    // No engine: everything is simply not running.
    return names.map((name) => unmanagedStatus(name, undefined));
  }
}

/** Server containers that are not `owner`'s (every one when no owner is chosen): read-only here. */
async function foreignServers(io: CliIO, owner: ManagerOwner | undefined): Promise<ForeignServer[]> {
  try {
    const engine = await connectEngine(io);
    const containers = await engine.listContainers({ ...MANAGED_FILTER, [LABEL.role]: 'server' });
    return containers
      .filter((c) => owner === undefined || ownership(c.labels, owner) !== 'mine')
      .map((c) => foreignServer(c));
  } catch {
    return [];
  }
}

/** The chosen manager's servers (from it, or from the engine and the config when it is not running). */
/** A profile as `ls` shows it: tool counts only where a running manager can say them. */
type ListedProfile = Omit<ProfileInfo, 'tools' | 'unavailable'> & {
  readonly tools?: number;
  readonly unavailable?: readonly string[];
};

async function currentStates(
  choice: ManagerChoice,
  io: CliIO,
): Promise<{ servers: ServerStatus[]; profiles: ListedProfile[]; managed: boolean }> {
  if (choice.running !== undefined) {
    const { client } = choice.running;
    const [servers, profiles] = await Promise.all([client.servers(), client.profiles()]);
    return { servers, profiles, managed: true };
  }
  if (choice.owner === undefined || choice.configPath === undefined || !existsSync(choice.configPath))
    return { servers: [], profiles: [], managed: false };
  const loaded = await loadConfigFile(choice.configPath);
  return {
    servers: await statesFromEngine(io, Object.keys(loaded.config.servers), choice.owner),
    profiles: Object.entries(loaded.config.profiles).map(([name, profile]) => ({
      name,
      ...(profile.description === undefined ? {} : { description: profile.description }),
      servers: Object.keys(profile.servers),
    })),
    managed: false,
  };
}

function printProfiles(io: CliIO, profiles: readonly ListedProfile[]): void {
  if (profiles.length === 0) return;
  io.stdout(
    `
profiles (each its own endpoint: /profiles/<name>/mcp):
${table([
  ['PROFILE', 'SERVERS', 'TOOLS', 'DESCRIPTION'],
  ...profiles.map((p) => [
    p.name,
    p.servers.join(',') || '-',
    p.tools === undefined
      ? '-'
      : `${String(p.tools)}${p.unavailable !== undefined && p.unavailable.length > 0 ? ` (not counted: ${p.unavailable.join(',')})` : ''}`,
    p.description ?? '',
  ]),
])}
`,
  );
}

function printOthers(io: CliIO, others: readonly ForeignServer[]): void {
  if (others.length === 0) return;
  io.stdout(
    `\nother managers' servers (read-only; each is managed from its own config, \`mcpman down --all\` removes them):\n${table(
      [
        ['NAME', 'STATE', 'TRANSPORT', 'OWNER'],
        ...others.map((o) => [o.name, o.state, o.transport, o.owner]),
      ],
    )}\n`,
  );
}

/** `mcpman ls` */
export async function lsCommand(options: FileOption & JsonOption, io: CliIO): Promise<ExitCodeValue> {
  try {
    const choice = await chooseManager(io, options.file);
    const { servers, profiles } = await currentStates(choice, io);
    const others = await foreignServers(io, choice.owner);
    if (options.json === true) {
      printJson(io, { servers, profiles, others });
      return ExitCode.Ok;
    }
    if (choice.owner === undefined)
      io.stdout(`${choice.records.length} managers are running; -f <config file> picks one\n`);
    else if (servers.length === 0)
      io.stdout('no servers configured; add one with `mcpman add npx://<package>@<version>`\n');
    else
      io.stdout(
        `${table([['NAME', 'STATE', 'TRANSPORT', 'RESTARTS', 'SINCE', 'REASON'], ...serverRows(servers, io.isTTY)])}\n`,
      );
    printProfiles(io, profiles);
    printOthers(io, others);
    return ExitCode.Ok;
  } catch (error) {
    return reportError(error, io, options.json === true);
  }
}

/** `mcpman status [name]` */
export async function statusCommand(
  name: string | undefined,
  options: FileOption & JsonOption,
  io: CliIO,
): Promise<ExitCodeValue> {
  try {
    const choice = await chooseManager(io, options.file);
    const running = choice.running;
    if (name !== undefined) {
      if (running === undefined) {
        if (choice.owner === undefined) throw severalManagers(choice.records);
        const [state] = await statesFromEngine(io, [name], choice.owner);
        if (options.json === true) printJson(io, { status: state, logs: [] });
        else io.stdout(`${name}: ${state?.reason ?? 'unknown'}\n`);
        return ExitCode.Ok;
      }
      const detail = await running.client.server(name);
      if (options.json === true) {
        printJson(io, detail);
        return ExitCode.Ok;
      }
      const s = detail.status;
      const rows: string[][] = [
        [
          'state',
          `${paint(s.state === 'ready' ? 'green' : s.state === 'failed' ? 'red' : 'yellow', s.state, io.isTTY)} for ${age(s.since)}`,
        ],
        ['reason', s.reason + (s.code === undefined ? '' : ` [${s.code}]`)],
        ['transport', s.transport],
        ['endpoint', s.endpoint ?? '-'],
        ['protocol', s.protocolVersion ?? '-'],
        ['server', s.serverInfo === undefined ? '-' : `${s.serverInfo.name} ${s.serverInfo.version}`],
        ['container', s.containerId?.slice(0, 12) ?? '-'],
        ['image', s.image ?? '-'],
        ['restarts', String(s.restarts)],
        [
          'last probe',
          s.lastProbe === undefined
            ? '-'
            : `${s.lastProbe.ok ? 'ok' : 'failed'} in ${s.lastProbe.latencyMs.toFixed(1)} ms, ${age(s.lastProbe.at)} ago`,
        ],
      ];
      io.stdout(`${name}\n${table(rows.map(([k = '', v = '']) => [`  ${k}`, v]))}\n`);
      if (detail.logs.length > 0)
        io.stdout(
          `recent log:\n${detail.logs
            .slice(-10)
            .map((l) => `  ${l.line}`)
            .join('\n')}\n`,
        );
      return ExitCode.Ok;
    }
    const { servers, managed } = await currentStates(choice, io);
    const figures = running === undefined ? {} : await running.client.figures();
    const others = await foreignServers(io, choice.owner);
    const managers = choice.records;
    if (options.json === true) {
      printJson(io, {
        managed,
        manager: running?.record,
        managers,
        counts: stateCounts(servers),
        servers,
        figures,
        others,
      });
      return ExitCode.Ok;
    }
    const counts = stateCounts(servers);
    io.stdout(
      managed && running !== undefined
        ? `manager pid ${running.record.pid} at ${running.record.url}${running.record.grpc === undefined ? '' : ` (gRPC ${running.record.grpc})`} for ${running.record.configPath}\n`
        : choice.owner === undefined
          ? `${managers.length} managers running (${managers.map((m) => m.configPath).join(', ')}); -f <config file> picks one\n`
          : `no manager running for ${choice.configPath ?? 'this config'} (\`mcpman up\` starts one)\n`,
    );
    io.stdout(
      `${counts.ready}/${servers.length} ready${counts.failed > 0 ? `, ${counts.failed} failed` : ''}\n`,
    );
    if (servers.length > 0)
      io.stdout(
        `${table([['NAME', 'STATE', 'TRANSPORT', 'RESTARTS', 'SINCE', 'REASON'], ...serverRows(servers, io.isTTY)])}\n`,
      );
    if (running !== undefined && servers.length > 0) {
      const usage = servers.map((s) => {
        const f = figures[s.name];
        return [
          s.name,
          String(f?.toolCalls ?? 0),
          String(f?.toolErrors ?? 0),
          f?.memoryBytes === undefined ? '-' : `${(f.memoryBytes / 1024 / 1024).toFixed(1)} MiB`,
          f?.cpuSeconds === undefined ? '-' : `${f.cpuSeconds.toFixed(2)} s`,
        ];
      });
      io.stdout(`\n${table([['NAME', 'TOOL CALLS', 'ERRORS', 'MEMORY', 'CPU'], ...usage])}\n`);
    }
    printOthers(io, others);
    return ExitCode.Ok;
  } catch (error) {
    return reportError(error, io, options.json === true);
  }
}

/** Ask a manager to stop and wait (up to a minute) until its process is gone. */
async function stopManager(record: DaemonRecord, io: CliIO): Promise<void> {
  await new ManagementClient(managerEndpoint(record)).shutdown().catch(() => undefined);
  const deadline = Date.now() + 60_000;
  while (isProcessAlive(record.pid) && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 100));
  if (!isProcessAlive(record.pid))
    io.stdout(`stopped the manager of ${record.configPath} (pid ${record.pid})\n`);
}

/** The secrets a config's servers use (as environment or in header templates). */
function configSecretNames(loaded: LoadedConfig): string[] {
  return Object.values(loaded.config.servers).flatMap(serverSecretNames);
}

/**
 * `mcpman down`: the chosen manager stops and what its config file's owner created is removed,
 * whether or not a manager still ran; other managers' servers are left running. `--all` stops
 * every manager and removes everything mcpman created.
 */
export async function downCommand(
  options: FileOption & { all?: boolean; secrets?: boolean; images?: boolean; json?: boolean },
  io: CliIO,
): Promise<ExitCodeValue> {
  try {
    const all = options.all === true;
    const choice = await chooseManager(io, options.file);
    if (!all && choice.owner === undefined) throw severalManagers(choice.records);
    const stopping = all ? choice.records : choice.records.filter((r) => r.ownerId === choice.owner?.id);
    for (const record of stopping) await stopManager(record, io);
    const owner = choice.owner ?? ownerForConfig(resolveConfigPath(options.file, io.cwd));
    const loaded =
      choice.configPath !== undefined && existsSync(choice.configPath)
        ? await loadConfigFile(choice.configPath).catch(() => undefined)
        : undefined;
    // Whatever the manager did or did not clean up, sweep every object labelled with its owner.
    const engine = await EngineClient.connect(io.env);
    const runtime = new McpRuntime({ engine, owner, clientInfo: { name: 'mcpman', version: VERSION } });
    const report = await runtime.down({
      all,
      secrets: options.secrets,
      secretNames: loaded === undefined ? [] : configSecretNames(loaded),
      images: options.images,
    });
    runtime.dispose();
    if (options.json === true) printJson(io, { ok: true, removed: report });
    else {
      const parts = [
        `${report.containers} containers`,
        `${report.networks} networks`,
        `${report.volumes} volumes`,
      ];
      if (options.secrets === true) parts.push(`${report.secrets} secrets`);
      if (options.images === true) parts.push(`${report.images} images`);
      io.stdout(`removed ${parts.join(', ')}${all ? " (every manager's)" : ` of ${owner.name}`}\n`);
      if (report.others > 0)
        io.stdout(
          `left ${report.others} server${report.others > 1 ? 's' : ''} of other managers running (\`mcpman ls\` shows them, \`mcpman down --all\` removes them)\n`,
        );
    }
    return ExitCode.Ok;
  } catch (error) {
    return reportError(error, io, options.json === true);
  }
}

/** How long `mcpman restart` follows a server that is retrying before it reports where it is. */
const RESTART_WAIT_MS = 10 * 60_000;

/**
 * Follow `name` until it leaves the transitional states (a restart whose first attempt failed
 * goes on with backoff), printing each step on the way; the last status seen at the deadline.
 */
async function untilSettled(client: ManagementClient, name: string, io: CliIO): Promise<ServerStatus> {
  const deadline = Date.now() + RESTART_WAIT_MS;
  let shown = '';
  for (;;) {
    const { status } = await client.server(name);
    if (!TRANSITIONAL_STATES.has(status.state) || Date.now() >= deadline) return status;
    const line = `${name}: ${status.state}: ${status.reason}`;
    if (line !== shown) io.stdout(`${line}\n`);
    shown = line;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * `mcpman restart <name>`: exits once the server is ready again (0) or has settled otherwise,
 * failed or stopped (1).
 */
export async function restartCommand(name: string, options: FileOption, io: CliIO): Promise<ExitCodeValue> {
  try {
    const choice = await chooseManager(io, options.file);
    const running = choice.running;
    if (running === undefined) {
      if (choice.owner === undefined) throw severalManagers(choice.records);
      throw new MCPError(
        MCPErrorCode.ServerNotReady,
        `no manager is running for ${choice.configPath ?? 'this config'}`,
        {
          hint: '`mcpman up` starts the servers.',
        },
      );
    }
    await running.client.restart(name);
    const status = await untilSettled(running.client, name, io);
    io.stdout(`${name}: ${status.state}: ${status.reason}\n`);
    return status.state === 'ready' ? ExitCode.Ok : ExitCode.Failure;
  } catch (error) {
    return reportError(error, io, false);
  }
}

/** A server name from a source: `npx://@scope/server-memory@1` → `memory`. */
export function nameFromSource(source: ServerSource): string {
  const raw =
    source.type === 'npx'
      ? (source.package.split('/').pop() ?? source.package)
      : source.type === 'pypi'
        ? source.package
        : source.type === 'image'
          ? ((source.ref.split('/').pop() ?? source.ref).split(/[:@]/)[0] ?? source.ref)
          : source.type === 'build'
            ? (source.context.replace(/\/+$/, '').split('/').pop() ?? 'server')
            : (new URL(source.url).hostname.split('.').find((part) => !/^(www|api|mcp)$/.test(part)) ??
              'remote');
  return serverNameFrom(raw);
}

/** `mcpman add https://host/mcp`: a url: server, validated like any config edit. */
async function addUrlServer(
  url: string,
  options: FileOption & { name?: string; args?: string[]; sse?: boolean },
  io: CliIO,
): Promise<ExitCodeValue> {
  if (options.args !== undefined && options.args.length > 0)
    throw new MCPError(MCPErrorCode.ConfigInvalid, '--arg is for servers mcpman runs, not for a URL');
  const name = options.name ?? nameFromSource({ type: 'remote', url, headers: {} });
  const store = new ConfigStore(resolveConfigPath(options.file, io.cwd));
  const current = await store.loadOrEmpty();
  if (name in current.config.servers) {
    throw new MCPError(MCPErrorCode.ConfigInvalid, `a server named "${name}" is already configured`, {
      hint: 'Pick another with --name, or `mcpman rm` it first.',
    });
  }
  await store.setServer(name, { url, ...(options.sse === true ? { transport: 'sse' } : {}) });
  io.stdout(
    `added ${name} (${url}${options.sse === true ? ', legacy SSE' : ''}) to ${store.path}; headers with \${secret:NAME} go in servers.${name}.headers\n`,
  );
  const { running } = await chooseManager(io, store.path);
  if (running !== undefined) {
    await running.client.reload();
    io.stdout('the running manager is connecting to it (`mcpman status` shows progress)\n');
  }
  return ExitCode.Ok;
}

/** What only a catalog add takes; given with a source, they are refused rather than ignored. */
const CATALOG_ONLY = ['env', 'input', 'secret', 'registry', 'remote', 'runsAs', 'trustIndex'] as const;

/** A source string, as opposed to a registry name (`io.github.owner/server`) or a short name. */
function isSourceString(text: string): boolean {
  return /^(npx|pypi|uvx):\/\/|^(image|build):|^https?:\/\//i.test(text);
}

/** `mcpman add <source | registry-name[@version]>` */
export async function addCommand(
  source: string,
  options: FileOption & { name?: string; args?: string[]; sse?: boolean } & AddFromCatalogOptions,
  io: CliIO,
): Promise<ExitCodeValue> {
  try {
    if (!isSourceString(source.trim())) {
      if (options.args !== undefined && options.args.length > 0)
        throw new MCPError(
          MCPErrorCode.ConfigInvalid,
          '--arg is for sources; a catalog server takes --input NAME=value',
        );
      return await addFromCatalog(source.trim(), options, io);
    }
    const stray = CATALOG_ONLY.filter((key) => {
      const value: unknown = options[key];
      return value !== undefined && value !== false && !(Array.isArray(value) && value.length === 0);
    });
    if (stray.length > 0)
      throw new MCPError(
        MCPErrorCode.ConfigInvalid,
        `${stray.map((key) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ')} ${stray.length === 1 ? 'is' : 'are'} for catalog servers (mcpman add <registry-name>), not for ${source}`,
      );
    if (/^https?:\/\//i.test(source.trim())) return await addUrlServer(source.trim(), options, io);
    const parsed = parseSourceString(source);
    if (!parsed.ok)
      throw new MCPError(MCPErrorCode.ConfigInvalid, parsed.message, {
        hint: 'Sources look like npx://<package>@<version>, pypi://<package>@<version>, image:<ref> or build:<dir>.',
      });
    const name = options.name ?? nameFromSource(parsed.source);
    const store = new ConfigStore(resolveConfigPath(options.file, io.cwd));
    const current = await store.loadOrEmpty();
    if (name in current.config.servers) {
      throw new MCPError(MCPErrorCode.ConfigInvalid, `a server named "${name}" is already configured`, {
        hint: 'Pick another with --name, or `mcpman rm` it first.',
      });
    }
    await store.setServer(name, {
      source: formatSource(parsed.source),
      ...(options.args === undefined || options.args.length === 0 ? {} : { args: options.args }),
    });
    io.stdout(`added ${name} (${formatSource(parsed.source)}) to ${store.path}\n`);
    const { running } = await chooseManager(io, store.path);
    if (running !== undefined) {
      await running.client.reload();
      io.stdout('the running manager is starting it (`mcpman status` shows progress)\n');
    }
    return ExitCode.Ok;
  } catch (error) {
    return reportError(error, io, false);
  }
}

/** `mcpman rm <name>` */
export async function rmCommand(name: string, options: FileOption, io: CliIO): Promise<ExitCodeValue> {
  try {
    const store = new ConfigStore(resolveConfigPath(options.file, io.cwd));
    await store.removeServer(name);
    io.stdout(`removed ${name} from ${store.path}\n`);
    const { running, owner } = await chooseManager(io, store.path);
    if (running !== undefined) {
      await running.client.reload();
    } else if (owner !== undefined) {
      // No manager for this file: remove its containers here; other managers' `name` stays.
      // No engine reachable: nothing of it can be running either.
      await withRuntime(io, owner, (runtime) => runtime.removeServer(name)).catch(() => undefined);
    }
    return ExitCode.Ok;
  } catch (error) {
    return reportError(error, io, false);
  }
}

/** Print new lines of the stdio log file of `name` (and its rotated predecessor on first read). */
async function printLogFile(path: string, offset: number, io: CliIO): Promise<number> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch {
    return 0;
  }
  if (size < offset) offset = 0; // rotated
  if (size === offset) return offset;
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(size - offset);
    await handle.read(buffer, 0, buffer.length, offset);
    io.stdout(buffer.toString('utf8'));
  } finally {
    await handle.close();
  }
  return size;
}

/** Engine logs of an http server's container, across restarts with `follow`. */
async function followEngineLogs(
  runtime: McpRuntime,
  name: string,
  follow: boolean,
  signal: AbortSignal,
  io: CliIO,
): Promise<void> {
  // Resume after a restart from the last second printed (the engine's timestamps may have
  // one-second resolution), skipping the lines of that second already shown.
  let since: number | undefined;
  let lastTime: string | undefined;
  let shownInLastSecond = new Set<string>();
  do {
    const container = await runtime.serverContainer(name);
    if (container !== undefined) {
      for await (const line of runtime.engine.logs(container.id, {
        follow,
        stdout: true,
        stderr: true,
        timestamps: true,
        signal,
        since,
      })) {
        if (line.time !== undefined && line.time === lastTime && shownInLastSecond.has(line.text)) continue;
        io.stdout(`${line.time ?? ''} ${line.text}\n`);
        if (line.time !== undefined) {
          if (line.time !== lastTime) shownInLastSecond = new Set();
          shownInLastSecond.add(line.text);
          lastTime = line.time;
          since = Date.parse(line.time);
        }
      }
    }
    if (follow && !signal.aborted) await new Promise((resolve) => setTimeout(resolve, 500));
  } while (follow && !signal.aborted);
}

/**
 * `mcpman logs <name> [-f]`. A stdio server's log is its stderr, kept by the manager (its
 * stdout is the protocol, which is never logged); an http server's log is its container log.
 */
export async function logsCommand(
  name: string,
  options: { follow?: boolean; file?: string },
  io: CliIO,
): Promise<ExitCodeValue> {
  const abort = new AbortController();
  const onSignal = (): void => {
    abort.abort();
  };
  process.once('SIGINT', onSignal);
  try {
    const { owner, configPath, records } = await chooseManager(io, options.file);
    if (owner === undefined || configPath === undefined) throw severalManagers(records);
    return await withRuntime(io, owner, (runtime) =>
      showLogs(runtime, name, configPath, options.follow === true, abort.signal, io),
    );
  } catch (error) {
    if (abort.signal.aborted) return ExitCode.Ok;
    return reportError(error, io, false);
  } finally {
    process.off('SIGINT', onSignal);
  }
}

/** The log of server `name`: its stderr file (stdio) or its container's log (http), followed on request. */
async function showLogs(
  runtime: McpRuntime,
  name: string,
  configPath: string,
  follow: boolean,
  signal: AbortSignal,
  io: CliIO,
): Promise<ExitCodeValue> {
  const owner = runtime.owner;
  const container = await runtime.serverContainer(name);
  const file = serverLogPath(serverLogDir(owner.id, io.env), name);
  if (container?.labels[LABEL.transport] === 'http') {
    // The engine's log is the server's own output, which may echo the credentials its header
    // templates carry: learn those values and redact them, as the manager does. Without a
    // config here, the running manager's own log view is redacted regardless.
    const loaded = await loadConfigFile(configPath).catch(() => undefined);
    if (loaded !== undefined) await runtime.learnHeaderSecrets(loaded, name);
    const redacting: CliIO = {
      ...io,
      stdout: (text) => {
        io.stdout(secretRedactor.redact(text));
      },
    };
    await followEngineLogs(runtime, name, follow, signal, redacting);
    return ExitCode.Ok;
  }
  if (container === undefined && !existsSync(file)) {
    throw new MCPError(
      MCPErrorCode.ServerNotFound,
      `no log for server "${name}" (${containerName(owner.id, name)}) of ${owner.name}`,
      {
        hint: 'Is it configured and has `mcpman up` run?',
      },
    );
  }
  if (existsSync(`${file}.1`)) await printLogFile(`${file}.1`, 0, io);
  let offset = await printLogFile(file, 0, io);
  while (follow && !signal.aborted) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    offset = await printLogFile(file, offset, io);
  }
  return ExitCode.Ok;
}
