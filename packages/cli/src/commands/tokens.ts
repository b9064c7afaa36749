import { dirname, isAbsolute, resolve } from 'node:path';
import { FileTokenStore, defaultTokensFile, loadConfigFile, resolveConfigPath } from '@mcpman/core';
import { MCPError, MCPErrorCode } from '@mcpman/protocol';
import type { GatewayConfig, TokenStore } from '@mcpman/core';
import { RedisState, RedisTokenStore } from '@mcpman/gateway';
import { ExitCode } from '../io.js';
import type { CliIO, ExitCodeValue } from '../io.js';
import { reportError } from '../errors.js';
import { table } from '../output/format.js';

export interface TokenCreateOptions {
  /** The NAME argument. */
  readonly name?: string | undefined;
  /** `--name`, the older spelling of the same. */
  readonly nameOption?: string | undefined;
  readonly servers?: string;
  readonly tools?: string;
  readonly profiles?: string;
  readonly admin?: boolean;
  readonly file?: string;
  readonly json?: boolean;
}

/**
 * Run `use` on the tokens the gateway of this config reads: the cluster's Redis with
 * gateway.state: redis; else gateway.auth.tokensFile (relative to the config) when the config
 * sets it, else the default file in the state folder.
 */
export async function withStore<T>(
  file: string | undefined,
  io: CliIO,
  use: (store: TokenStore) => Promise<T>,
): Promise<T> {
  let gateway: GatewayConfig | undefined;
  let base = io.cwd;
  try {
    const path = resolveConfigPath(file, io.cwd);
    gateway = (await loadConfigFile(path)).config.gateway;
    base = dirname(path);
  } catch (error) {
    // Without a config the default file is right; a config named explicitly must load.
    if (file !== undefined) throw error;
  }
  const redisUrl = gateway?.state.redisUrl;
  if (gateway?.state.backend === 'redis' && redisUrl !== undefined) {
    const state = new RedisState({ ...gateway.state, redisUrl });
    try {
      return await use(new RedisTokenStore(state));
    } finally {
      state.dispose();
    }
  }
  const configured = gateway?.auth.tokensFile;
  if (configured === undefined) return use(new FileTokenStore(defaultTokensFile(io.env)));
  return use(new FileTokenStore(isAbsolute(configured) ? configured : resolve(base, configured)));
}

function list(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (items.length === 0) throw new MCPError(MCPErrorCode.ConfigInvalid, 'an empty list grants nothing');
  return items;
}

function tokenName(options: TokenCreateOptions): string {
  const { name, nameOption } = options;
  if (name !== undefined && nameOption !== undefined && name !== nameOption)
    throw new MCPError(MCPErrorCode.ConfigInvalid, `two names given: "${name}" and --name "${nameOption}"`, {
      hint: 'Give the name once: `mcpman token create NAME`.',
    });
  const chosen = name ?? nameOption;
  if (chosen === undefined)
    throw new MCPError(MCPErrorCode.ConfigInvalid, 'a token needs a name', {
      hint: 'Say what it is for: `mcpman token create NAME`.',
    });
  return chosen;
}

/** `mcpman token create NAME [--servers a,b] [--tools a__x] [--profiles p] [--admin]` (`--name NAME` too) */
export async function tokenCreateCommand(options: TokenCreateOptions, io: CliIO): Promise<ExitCodeValue> {
  try {
    const name = tokenName(options);
    const servers = list(options.servers);
    const tools = list(options.tools);
    const profiles = list(options.profiles);
    const { token, info } = await withStore(options.file, io, (store) =>
      store.create({
        name,
        admin: options.admin === true,
        ...(servers === undefined ? {} : { servers }),
        ...(tools === undefined ? {} : { tools }),
        ...(profiles === undefined ? {} : { profiles }),
      }),
    );
    if (options.json === true) {
      io.stdout(`${JSON.stringify({ token, info }, null, 2)}\n`);
    } else {
      io.stdout(`${token}\n`);
      io.stderr(
        `token "${info.name}" created (servers: ${info.servers?.join(', ') ?? 'all'}; tools: ${info.tools?.join(', ') ?? 'all'}${info.profiles === undefined ? '' : `; only profiles ${info.profiles.join(', ')}`}${info.admin ? '; admin' : ''}).\n` +
          'It is shown this once; only its salted hash is kept. Send it as `Authorization: Bearer <token>`.\n',
      );
    }
    return ExitCode.Ok;
  } catch (error) {
    return reportError(error, io, options.json === true);
  }
}

/** `mcpman token ls`: names and grants, never tokens. */
export async function tokenLsCommand(
  options: { file?: string; json?: boolean },
  io: CliIO,
): Promise<ExitCodeValue> {
  try {
    const tokens = await withStore(options.file, io, (store) => store.list());
    if (options.json === true) io.stdout(`${JSON.stringify({ tokens }, null, 2)}\n`);
    else if (tokens.length === 0) io.stdout('no tokens; `mcpman token create --name NAME` makes one\n');
    else
      io.stdout(
        `${table([
          ['NAME', 'ID', 'SERVERS', 'TOOLS', 'PROFILES', 'ADMIN', 'CREATED'],
          ...tokens.map((t) => [
            t.name,
            t.id,
            t.servers?.join(',') ?? 'all',
            t.tools?.join(',') ?? 'all',
            t.profiles?.join(',') ?? 'any',
            t.admin ? 'yes' : 'no',
            t.createdAt,
          ]),
        ])}\n`,
      );
    return ExitCode.Ok;
  } catch (error) {
    return reportError(error, io, options.json === true);
  }
}

/** `mcpman token revoke NAME`: takes effect at the gateway's next request. */
export async function tokenRevokeCommand(
  name: string,
  options: { file?: string },
  io: CliIO,
): Promise<ExitCodeValue> {
  try {
    if (!(await withStore(options.file, io, (store) => store.revoke(name)))) {
      throw new MCPError(MCPErrorCode.ConfigInvalid, `no token named "${name}"`, {
        hint: '`mcpman token ls` lists them.',
      });
    }
    io.stdout(`revoked token ${name}\n`);
    return ExitCode.Ok;
  } catch (error) {
    return reportError(error, io, false);
  }
}
