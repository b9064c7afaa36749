import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MCPError, MCPErrorCode, defaultStateDir, loadConfigFile, resolveConfigPath } from '@mcpman/core';
import type { GatewayConfig } from '@mcpman/core';
import { CLIENT_CATALOG, clientSpec } from '../clients/catalog.js';
import type { ClientSpec, Places } from '../clients/catalog.js';
import { clientState, connectClient, currentEntry, disconnectClient, tokenIn } from '../clients/connector.js';
import type { ClientContext, FileChange, Scope } from '../clients/connector.js';
import { ExitCode } from '../io.js';
import type { CliIO, ExitCodeValue } from '../io.js';
import { reportError } from '../errors.js';
import { table } from '../output/format.js';
import { runningManager } from './context.js';
import { withStore } from './tokens.js';

const BIN = fileURLToPath(new URL('../../bin/mcpman.js', import.meta.url));

/** The user's folders as the clients compute them, from this process's environment. */
export function placesFrom(env: NodeJS.ProcessEnv): Places {
  const home = env['HOME'] ?? env['USERPROFILE'] ?? homedir();
  const platform = process.platform === 'darwin' || process.platform === 'win32' ? process.platform : 'linux';
  return {
    platform,
    home,
    appData: env['APPDATA'] ?? join(home, 'AppData', 'Roaming'),
    xdgConfig: env['XDG_CONFIG_HOME'] ?? join(home, '.config'),
  };
}

function contextFrom(io: CliIO): ClientContext {
  return {
    places: placesFrom(io.env),
    cwd: io.cwd,
    env: io.env,
    stateFile: join(defaultStateDir(io.env), 'clients.json'),
  };
}

export interface ClientConnectOptions {
  readonly all?: boolean;
  readonly server?: string;
  readonly scope?: string;
  readonly url?: string;
  readonly file?: string;
  readonly json?: boolean;
}

function scopeOf(value: string | undefined): Scope {
  if (value === undefined || value === 'user' || value === 'project') return value ?? 'user';
  throw new MCPError(MCPErrorCode.ConfigInvalid, `--scope ${value}: expected user or project`);
}

/** The clients named (or, with --all, every installed one). */
async function chosen(names: readonly string[], all: boolean, context: ClientContext): Promise<ClientSpec[]> {
  if (all) {
    const states = await Promise.all(CLIENT_CATALOG.map((spec) => clientState(spec, context)));
    return CLIENT_CATALOG.filter((_spec, index) => states[index]?.installed === true);
  }
  if (names.length === 0)
    throw new MCPError(MCPErrorCode.ConfigInvalid, 'name the clients to connect, or pass --all', {
      hint: '`mcpman client ls` lists them.',
    });
  return names.map((name) => {
    const spec = clientSpec(name);
    if (spec === undefined)
      throw new MCPError(MCPErrorCode.ConfigInvalid, `unknown client "${name}"`, {
        hint: `Known clients: ${CLIENT_CATALOG.map((c) => c.id).join(', ')}.`,
      });
    return spec;
  });
}

/** The gateway config, when there is one to read (auth mode, listen address). */
async function gatewayConfig(file: string | undefined, io: CliIO): Promise<GatewayConfig | undefined> {
  try {
    return (await loadConfigFile(resolveConfigPath(file, io.cwd))).config.gateway;
  } catch (error) {
    if (file !== undefined) throw error;
    return undefined;
  }
}

function tokenName(client: string, server?: string): string {
  return server === undefined ? `client-${client}` : `client-${client}-${server}`;
}

/** `mcpman client ls [--json]` */
export async function clientLsCommand(options: { json?: boolean }, io: CliIO): Promise<ExitCodeValue> {
  try {
    const context = contextFrom(io);
    const states = await Promise.all(CLIENT_CATALOG.map((spec) => clientState(spec, context)));
    if (options.json === true) {
      io.stdout(`${JSON.stringify({ clients: states }, null, 2)}\n`);
      return ExitCode.Ok;
    }
    io.stdout(
      `${table([
        ['CLIENT', 'NAME', 'INSTALLED', 'CONNECTED', 'FILE'],
        ...states.map((state) => [
          state.id,
          state.name,
          state.installed ? 'yes' : 'no',
          state.connected.length === 0
            ? '-'
            : state.connected.map((c) => `${c.entry} (${c.how}${c.token ? ', token' : ''})`).join(', '),
          state.path ?? '(not on this platform)',
        ]),
      ])}\n`,
    );
    return ExitCode.Ok;
  } catch (error) {
    return reportError(error, io, options.json === true);
  }
}

/** `mcpman client connect <client…> | --all` */
export async function clientConnectCommand(
  names: readonly string[],
  options: ClientConnectOptions,
  io: CliIO,
): Promise<ExitCodeValue> {
  try {
    const context = contextFrom(io);
    const scope = scopeOf(options.scope);
    const specs = await chosen(names, options.all === true, context);
    const gateway = await gatewayConfig(options.file, io);
    const url = new URL(
      options.url ??
        (await runningManager(io, options.file))?.record.url ??
        `http://${gateway?.listen ?? '127.0.0.1:7420'}`,
    );
    const changes: FileChange[] = [];
    for (const spec of specs) {
      const request = {
        scope,
        gateway: url,
        ...(options.server === undefined ? {} : { server: options.server }),
      };
      const headers =
        gateway?.auth.mode === 'token' ? await clientToken(spec, request, context, options.file, io) : {};
      changes.push(
        await connectClient(
          spec,
          {
            ...request,
            headers,
            bridge: {
              command: process.execPath,
              args: (base, server) => [
                BIN,
                'connect',
                ...(server === undefined ? [] : [server]),
                '--url',
                base.toString(),
              ],
            },
          },
          context,
        ),
      );
    }
    report(changes, 'connected', options.json === true, io);
    return ExitCode.Ok;
  } catch (error) {
    return reportError(error, io, options.json === true);
  }
}

/**
 * The client's own API token, scoped to the server when one is named: the one its entry already
 * carries while it is valid, else a new one (named `client-<id>`, replacing an older one).
 */
async function clientToken(
  spec: ClientSpec,
  request: { scope: Scope; server?: string },
  context: ClientContext,
  file: string | undefined,
  io: CliIO,
): Promise<Record<string, string>> {
  const name = tokenName(spec.id, request.server);
  const current = tokenIn(await currentEntry(spec, request, context));
  const token = await withStore(file, io, async (store) => {
    if (current !== undefined && (await store.verify(current))?.name === name) return current;
    await store.revoke(name);
    const created = await store.create({
      name,
      admin: false,
      ...(request.server === undefined ? {} : { servers: [request.server] }),
    });
    return created.token;
  });
  return { Authorization: `Bearer ${token}` };
}

/** `mcpman client disconnect <client…> | --all` */
export async function clientDisconnectCommand(
  names: readonly string[],
  options: ClientConnectOptions,
  io: CliIO,
): Promise<ExitCodeValue> {
  try {
    const context = contextFrom(io);
    const scope = scopeOf(options.scope);
    const specs =
      options.all === true
        ? CLIENT_CATALOG.filter((spec) => spec.userFile(context.places) !== undefined || scope === 'project')
        : await chosen(names, false, context);
    const gateway = await gatewayConfig(options.file, io);
    const changes: FileChange[] = [];
    for (const spec of specs) {
      if (scope === 'project' && spec.projectFile === undefined) continue;
      const request = { scope, ...(options.server === undefined ? {} : { server: options.server }) };
      changes.push(await disconnectClient(spec, request, context));
      if (gateway?.auth.mode === 'token')
        await withStore(options.file, io, (store) => store.revoke(tokenName(spec.id, options.server)));
    }
    report(
      changes.filter((change) => options.all !== true || change.changed),
      'disconnected',
      options.json === true,
      io,
    );
    return ExitCode.Ok;
  } catch (error) {
    return reportError(error, io, options.json === true);
  }
}

function report(changes: readonly FileChange[], verb: string, json: boolean, io: CliIO): void {
  if (json) {
    io.stdout(`${JSON.stringify({ changes }, null, 2)}\n`);
    return;
  }
  if (changes.length === 0) io.stdout(`nothing ${verb}\n`);
  for (const change of changes) {
    const what = change.changed ? `${verb} (${change.entry})` : 'already so, unchanged';
    io.stdout(
      `${change.client}: ${what}: ${change.path}${change.backup === undefined ? '' : ` (backup: ${change.backup})`}\n`,
    );
  }
}
