import { LABEL, PodmanSecretStore, assertSecretName, loadConfigFile, resolveConfigPath } from '@mcpman/core';
import { MCPError, MCPErrorCode } from '@mcpman/protocol';
import { ExitCode } from '../io.js';
import type { CliIO, ExitCodeValue } from '../io.js';
import { reportError } from '../errors.js';
import { table } from '../output/format.js';
import { promptHidden } from '../prompt.js';
import { connectEngine, runningManager } from './context.js';

const MAX_SECRET_BYTES = 512 * 1024;

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buffer.length;
    if (size > MAX_SECRET_BYTES)
      throw new MCPError(MCPErrorCode.SecretInvalid, `a secret may hold at most ${MAX_SECRET_BYTES} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Servers of the config that reference each secret (for `ls` and the reminder after `set`). */
async function usage(io: CliIO): Promise<Map<string, string[]>> {
  const users = new Map<string, string[]>();
  try {
    const loaded = await loadConfigFile(resolveConfigPath(undefined, io.cwd));
    for (const [server, config] of Object.entries(loaded.config.servers)) {
      for (const secret of Object.values(config.secrets))
        users.set(secret, [...(users.get(secret) ?? []), server]);
    }
  } catch {
    // No config here: usage is unknown, which is fine for secrets.
  }
  return users;
}

/**
 * `mcpman secret set NAME`: the value comes from stdin (piped) or a hidden prompt, never from
 * the command line, where it would land in shell history and `ps`. One trailing newline of
 * piped input is dropped (what `echo` adds).
 */
export async function secretSetCommand(name: string, io: CliIO): Promise<ExitCodeValue> {
  try {
    assertSecretName(name);
    const raw =
      io.stdin.isTTY === true
        ? await promptHidden(`Value for secret ${name} (input hidden): `, io)
        : await readAll(io.stdin);
    const value = raw.endsWith('\r\n') ? raw.slice(0, -2) : raw.endsWith('\n') ? raw.slice(0, -1) : raw;
    if (value === '')
      throw new MCPError(MCPErrorCode.SecretInvalid, 'the secret value is empty', {
        hint: 'Pipe the value in: `printf %s "$TOKEN" | mcpman secret set NAME`.',
      });
    await new PodmanSecretStore(await connectEngine(io)).set(name, value);
    io.stdout(`stored secret ${name} (${Buffer.byteLength(value)} bytes) as a Podman secret\n`);
    const servers = (await usage(io)).get(name) ?? [];
    if (servers.length > 0 && (await runningManager(io)) !== undefined) {
      io.stdout(
        `servers using it pick it up when restarted: ${servers.map((s) => `mcpman restart ${s}`).join('; ')}\n`,
      );
    }
    return ExitCode.Ok;
  } catch (error) {
    return reportError(error, io, false);
  }
}

/** `mcpman secret ls`: names, when stored, which servers use them; never values. */
export async function secretLsCommand(options: { json?: boolean }, io: CliIO): Promise<ExitCodeValue> {
  try {
    const engine = await connectEngine(io);
    const users = await usage(io);
    const secrets = (await engine.listSecrets())
      .filter((secret) => secret.labels[LABEL.managed] === 'true' || users.has(secret.name))
      .map((secret) => ({
        name: secret.name,
        createdAt: secret.createdAt,
        usedBy: users.get(secret.name) ?? [],
      }));
    if (options.json === true) io.stdout(`${JSON.stringify({ secrets }, null, 2)}\n`);
    else if (secrets.length === 0)
      io.stdout('no secrets stored; `mcpman secret set NAME` stores one (value from stdin)\n');
    else
      io.stdout(
        `${table([['NAME', 'CREATED', 'USED BY'], ...secrets.map((s) => [s.name, s.createdAt, s.usedBy.join(', ') || '-'])])}\n`,
      );
    return ExitCode.Ok;
  } catch (error) {
    return reportError(error, io, options.json === true);
  }
}

/** `mcpman secret rm NAME` */
export async function secretRmCommand(name: string, io: CliIO): Promise<ExitCodeValue> {
  try {
    assertSecretName(name);
    if (!(await new PodmanSecretStore(await connectEngine(io)).remove(name))) {
      throw new MCPError(MCPErrorCode.SecretNotFound, `no secret named "${name}"`, {
        hint: '`mcpman secret ls` lists them.',
      });
    }
    io.stdout(`removed secret ${name}\n`);
    return ExitCode.Ok;
  } catch (error) {
    return reportError(error, io, false);
  }
}
