import { loadConfigFile, resolveConfigPath } from '@mcpman/core';
import { MCPError, MCPErrorCode } from '@mcpman/protocol';
import {
  CLIENT_CATALOG,
  ClientConnections,
  clientContext,
  clientState,
  gatewayCa,
} from '@mcpman/integrations';
import type { GatewayConfig, TokenStore } from '@mcpman/core';
import type { ClientContext } from '@mcpman/integrations';
import type { ClientChange, ClientScope } from '@mcpman/shared';
import { ExitCode } from '../io.js';
import type { CliIO, ExitCodeValue } from '../io.js';
import { reportError } from '../errors.js';
import { table } from '../output/format.js';
import { runningManager } from './context.js';
import { withStore } from './tokens.js';
import { SELF_ENTRY } from '../self.js';

/** This mcpman as clients spawn it for the stdio bridge (`mcpman connect`). */
export const THIS_BRIDGE = { command: process.execPath, prefix: [SELF_ENTRY] } as const;

export interface ClientConnectOptions {
  readonly all?: boolean;
  readonly server?: string;
  readonly profile?: string;
  readonly scope?: string;
  readonly url?: string;
  readonly file?: string;
  readonly ca?: string;
  readonly json?: boolean;
}

function scopeOf(value: string | undefined): ClientScope {
  if (value === undefined || value === 'user' || value === 'project') return value ?? 'user';
  throw new MCPError(MCPErrorCode.ConfigInvalid, `--scope ${value}: expected user or project`);
}

/** The gateway config and its folder, when there is one to read (auth mode, listen address, TLS). */
async function gatewayConfig(
  file: string | undefined,
  io: CliIO,
): Promise<{ gateway: GatewayConfig; dir: string } | undefined> {
  try {
    const loaded = await loadConfigFile(resolveConfigPath(file, io.cwd));
    return { gateway: loaded.config.gateway, dir: loaded.dir };
  } catch (error) {
    if (file !== undefined) throw error;
    return undefined;
  }
}

/**
 * The gateway a client should reach: `--url`, else the running manager of the config (its real
 * address), else the config's listen address, so a second manager on another port is found too.
 */
async function gatewayUrlOf(
  options: { readonly file?: string | undefined; readonly url?: string | undefined },
  gateway: GatewayConfig | undefined,
  io: CliIO,
): Promise<URL> {
  const scheme = gateway?.tls === undefined ? 'http' : 'https';
  return new URL(
    options.url ??
      (await runningManager(io, options.file))?.record.url ??
      `${scheme}://${gateway?.listen ?? '127.0.0.1:7420'}`,
  );
}

/** gatewayUrlOf for commands that have not read the config themselves. */
export async function gatewayUrl(
  options: { readonly file?: string | undefined; readonly url?: string | undefined },
  io: CliIO,
): Promise<URL> {
  return gatewayUrlOf(options, (await gatewayConfig(options.file, io))?.gateway, io);
}

/**
 * The connections to this gateway: its running URL (or the config's listen address), its CA, a
 * token store when it wants tokens, and this mcpman as the bridge.
 */
async function withConnections<T>(
  options: ClientConnectOptions,
  io: CliIO,
  use: (connections: ClientConnections, context: ClientContext) => Promise<T>,
): Promise<T> {
  const context = clientContext(io.env, io.cwd);
  const config = await gatewayConfig(options.file, io);
  const gateway = await gatewayUrlOf(options, config?.gateway, io);
  const ca = gatewayCa(config?.gateway, config?.dir ?? io.cwd, options.ca);
  const open = (tokens?: TokenStore): Promise<T> =>
    use(
      new ClientConnections({
        context,
        gateway,
        bridge: THIS_BRIDGE,
        ...(tokens === undefined ? {} : { tokens }),
        ...(ca === undefined ? {} : { ca }),
      }),
      context,
    );
  return config?.gateway.auth.mode === 'token' ? withStore(options.file, io, open) : open();
}

/** `mcpman client ls [--json]` */
export async function clientLsCommand(options: { json?: boolean }, io: CliIO): Promise<ExitCodeValue> {
  try {
    // Listing reads client files only: no gateway, config or token store to open.
    const context = clientContext(io.env, io.cwd);
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
    const scope = scopeOf(options.scope);
    const changes = await withConnections(options, io, async (connections) => {
      const made: ClientChange[] = [];
      for (const spec of await connections.chosen(names, options.all === true))
        made.push(await connections.connect({ client: spec.id, scope, ...serverOf(options) }));
      return made;
    });
    report(changes, 'connected', options.json === true, io);
    return ExitCode.Ok;
  } catch (error) {
    return reportError(error, io, options.json === true);
  }
}

/** The endpoint the entries are for: one server, one profile, or (neither) every server. */
function serverOf(options: ClientConnectOptions): { server?: string; profile?: string } {
  return {
    ...(options.server === undefined ? {} : { server: options.server }),
    ...(options.profile === undefined ? {} : { profile: options.profile }),
  };
}

/** `mcpman client disconnect <client…> | --all` */
export async function clientDisconnectCommand(
  names: readonly string[],
  options: ClientConnectOptions,
  io: CliIO,
): Promise<ExitCodeValue> {
  try {
    const scope = scopeOf(options.scope);
    const changes = await withConnections(options, io, async (connections, context) => {
      // --all: every client with a file of that scope on this platform.
      const specs =
        options.all === true
          ? CLIENT_CATALOG.filter((spec) =>
              scope === 'project'
                ? spec.projectFile !== undefined
                : spec.userFile(context.places) !== undefined,
            )
          : await connections.chosen(names, false);
      const undone: ClientChange[] = [];
      for (const spec of specs)
        undone.push(await connections.disconnect({ client: spec.id, scope, ...serverOf(options) }));
      return undone;
    });
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

function report(changes: readonly ClientChange[], verb: string, json: boolean, io: CliIO): void {
  if (json) {
    io.stdout(`${JSON.stringify({ changes }, null, 2)}\n`);
    return;
  }
  if (changes.length === 0) io.stdout(`nothing ${verb}\n`);
  for (const change of changes) {
    const what = change.changed ? `${verb} (${change.entry})` : 'already so, unchanged';
    io.stdout(
      `${change.client}: ${what}: ${change.path}${change.backup === undefined ? '' : ` (backup: ${change.backup})`}${change.note === undefined ? '' : ` — ${change.note}`}\n`,
    );
    // A project file names the token from the environment; it is shown here once, never written.
    for (const [variable, value] of Object.entries(change.environment ?? {}))
      io.stdout(
        `  the project file reads ${variable} from the environment; set it where ${change.client} runs (shown once):\n  export ${variable}=${value}\n`,
      );
  }
}
