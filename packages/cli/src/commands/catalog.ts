import { ConfigStore, PodmanSecretStore, resolveConfigPath, serverNameFrom } from '@mcpman/core';
import { MCPError, MCPErrorCode } from '@mcpman/protocol';
import {
  Catalog,
  checkIndexTrusted,
  installCatalogServer,
  secretNameFor,
  registryCacheDir,
  planServerHere,
} from '@mcpman/integrations';
import type {
  BuiltEntry,
  CatalogEntry,
  CatalogInput,
  PlanKind,
  ServerJson,
  ServerPlan,
} from '@mcpman/integrations';
import { describeSources } from '@mcpman/shared';
import { ExitCode } from '../io.js';
import type { CliIO, ExitCodeValue } from '../io.js';
import { reportError } from '../errors.js';
import { table } from '../output/format.js';
import { promptHidden, promptLine } from '../prompt.js';
import { chooseManager, connectEngine } from './context.js';

/** A registry server name, optionally with @version: `io.github.owner/server[@1.2.3]`. */
export const REGISTRY_NAME = /^([a-zA-Z0-9.-]+\/[a-zA-Z0-9._-]+)(?:@([^@\s]+))?$/;

export interface CatalogOptions {
  readonly file?: string;
  /** Registries to ask instead of the config's. */
  readonly registry?: readonly string[];
}

/** The catalog a command asks: --registry, else the config's `registries:`, else the default. */
async function catalogFor(options: CatalogOptions, io: CliIO): Promise<Catalog> {
  let registries = options.registry ?? [];
  if (registries.length === 0) {
    const store = new ConfigStore(resolveConfigPath(options.file, io.cwd));
    registries = (await store.loadOrEmpty()).config.registries;
  }
  for (const url of registries) {
    if (!/^https?:\/\/\S+$/i.test(url))
      throw new MCPError(MCPErrorCode.ConfigInvalid, `--registry ${url} is not an http(s):// URL`);
  }
  return new Catalog({ registries, cacheDir: registryCacheDir() });
}

function runsAs(entry: CatalogEntry): string {
  return entry.kinds.join(', ') || '-';
}

/** `mcpman search <words…>` */
export async function searchCommand(
  words: readonly string[],
  options: CatalogOptions & { json?: boolean; limit?: string; refresh?: boolean; versions?: boolean },
  io: CliIO,
): Promise<ExitCodeValue> {
  const json = options.json === true;
  try {
    const catalog = await catalogFor(options, io);
    if (options.versions === true) return await printVersions(catalog, words.join(' '), json, io);
    const limit = options.limit === undefined ? 30 : Number(options.limit);
    if (!Number.isInteger(limit) || limit < 1)
      throw new MCPError(
        MCPErrorCode.ConfigInvalid,
        `--limit ${options.limit ?? ''} is not a positive whole number`,
      );
    const result = await catalog.search(words.join(' '), { limit, refresh: options.refresh === true });
    if (json) {
      io.stdout(`${JSON.stringify(result, null, 2)}\n`);
      return ExitCode.Ok;
    }
    for (const problem of result.problems) io.stderr(`mcpman: ${problem}\n`);
    if (result.entries.length === 0) {
      io.stdout(`no server matches "${words.join(' ')}" (asked ${describeSources(result.answeredBy)})\n`);
      return ExitCode.Ok;
    }
    const rows = result.entries.map((e) => [
      e.name,
      e.version,
      runsAs(e),
      e.secrets.length > 0 ? e.secrets.join(', ') : '-',
      e.description,
    ]);
    io.stdout(`${table([['NAME', 'VERSION', 'RUNS AS', 'SECRETS', 'DESCRIPTION'], ...rows])}\n`);
    io.stdout(`from ${describeSources(result.answeredBy)}; \`mcpman add <name>\` adds one\n`);
    return ExitCode.Ok;
  } catch (error) {
    return reportError(error, io, json);
  }
}

async function printVersions(
  catalog: Catalog,
  name: string,
  json: boolean,
  io: CliIO,
): Promise<ExitCodeValue> {
  const result = await catalog.versions(name);
  if (json) io.stdout(`${JSON.stringify(result, null, 2)}\n`);
  else
    io.stdout(
      `${table([['VERSION', 'LATEST', 'PUBLISHED'], ...result.versions.map((v) => [v.version, v.isLatest ? 'yes' : '', v.publishedAt ?? '-'])])}\nfrom ${describeSources([result.from])}\n`,
    );
  return ExitCode.Ok;
}

export interface AddFromCatalogOptions extends CatalogOptions {
  readonly name?: string;
  /** VAR=value */
  readonly env?: readonly string[];
  /** NAME=value, for arguments, headers and variables */
  readonly input?: readonly string[];
  /** VAR=SECRET_NAME: an existing Podman secret */
  readonly secret?: readonly string[];
  readonly remote?: boolean;
  /** npm, oci, pypi or remote: which of the document's ways to run (default: the first it has). */
  readonly runsAs?: string;
  /** Install from the package index the document names (PyPI packages). */
  readonly trustIndex?: boolean;
}

const PLAN_KINDS: readonly PlanKind[] = ['npm', 'oci', 'pypi', 'remote'];

function preferred(options: AddFromCatalogOptions): PlanKind | undefined {
  if (options.runsAs === undefined) return options.remote === true ? 'remote' : undefined;
  const kind = PLAN_KINDS.find((k) => k === options.runsAs);
  if (kind === undefined || (options.remote === true && kind !== 'remote'))
    throw new MCPError(
      MCPErrorCode.ConfigInvalid,
      kind === undefined
        ? `--runs-as ${options.runsAs}: expected one of ${PLAN_KINDS.join(', ')}`
        : `--remote and --runs-as ${kind} contradict each other`,
    );
  return kind;
}

function pairs(list: readonly string[] | undefined, flag: string): [string, string][] {
  return (list ?? []).map((item) => {
    const at = item.indexOf('=');
    if (at <= 0) throw new MCPError(MCPErrorCode.ConfigInvalid, `${flag} ${item}: expected NAME=value`);
    return [item.slice(0, at), item.slice(at + 1)];
  });
}

/** Answers from the flags; every flag must name an input of the plan, so typos do not pass. */
function answersFromFlags(
  plan: ServerPlan,
  options: AddFromCatalogOptions,
): { values: Map<string, string[]>; secrets: Map<string, string> } {
  const values = new Map<string, string[]>();
  const secrets = new Map<string, string>();
  const known = (kinds: readonly string[], key: string, flag: string): CatalogInput => {
    const input = plan.inputs.find((i) => kinds.includes(i.kind) && i.key === key);
    if (input === undefined) {
      const offered = plan.inputs.filter((i) => kinds.includes(i.kind)).map((i) => i.key);
      throw new MCPError(
        MCPErrorCode.ConfigInvalid,
        `${flag} ${key}: ${plan.registryName} has no such input (it takes ${offered.join(', ') || 'none'})`,
      );
    }
    return input;
  };
  for (const [key, value] of pairs(options.env, '--env')) {
    const input = known(['env'], key, '--env');
    if (input.isSecret)
      throw new MCPError(
        MCPErrorCode.ConfigInvalid,
        `${key} is a secret: give it with --secret ${key}=SECRET_NAME`,
      );
    values.set(input.id, [value]);
  }
  for (const [key, value] of pairs(options.input, '--input')) {
    const input = known(['argument', 'header', 'variable'], key, '--input');
    if (input.isSecret)
      throw new MCPError(
        MCPErrorCode.ConfigInvalid,
        `${key} is a secret: give it with --secret ${key}=SECRET_NAME`,
      );
    values.set(input.id, [...(values.get(input.id) ?? []), value]);
  }
  for (const [key, name] of pairs(options.secret, '--secret')) {
    const input = plan.inputs.find((i) => i.isSecret && i.key === key);
    if (input === undefined)
      throw new MCPError(
        MCPErrorCode.ConfigInvalid,
        `--secret ${key}: ${plan.registryName} has no secret input of that name (its secrets: ${
          plan.inputs
            .filter((i) => i.isSecret)
            .map((i) => i.key)
            .join(', ') || 'none'
        })`,
      );
    secrets.set(input.id, name);
  }
  return { values, secrets };
}

function describeInput(input: CatalogInput): string {
  const extra = [
    input.description,
    input.choices === undefined ? undefined : `one of ${input.choices.join(', ')}`,
    input.default === undefined ? undefined : `default ${input.default}`,
  ].filter((part) => part !== undefined);
  return `${input.key}${extra.length > 0 ? ` (${extra.join('; ')})` : ''}`;
}

/** On a terminal, ask for what the flags left out: secrets hidden, stored as Podman secrets. */
async function askForTheRest(
  plan: ServerPlan,
  serverName: string,
  given: { values: Map<string, string[]>; secrets: Map<string, string> },
  io: CliIO,
): Promise<Map<string, string>> {
  const newSecrets = new Map<string, string>();
  if (io.stdin.isTTY !== true) return newSecrets;
  for (const input of plan.inputs) {
    if (input.isSecret) {
      if (given.secrets.has(input.id) || !input.isRequired) continue;
      const value = await promptHidden(`${describeInput(input)} (secret, input hidden): `, io);
      if (value === '') continue;
      const secretName = secretNameFor(serverName, input.key);
      newSecrets.set(secretName, value);
      given.secrets.set(input.id, secretName);
      continue;
    }
    // A path to mount is always asked: a document's default is never taken for one.
    const path = input.format === 'filepath';
    if (given.values.has(input.id) || !input.isRequired || (input.default !== undefined && !path)) continue;
    const value = await promptLine(
      path
        ? `${input.key} (a folder or file on this machine, mounted read-only${input.description === undefined ? '' : `; ${input.description}`}): `
        : `${describeInput(input)}: `,
      io,
    );
    if (value !== '') given.values.set(input.id, [value]);
  }
  return newSecrets;
}

/**
 * Host paths the entry would mount, shown before anything is written; on a terminal the user says
 * yes first (a mount hands the server what is under that path).
 */
async function confirmMounts(built: BuiltEntry, io: CliIO): Promise<boolean> {
  const mounts = built.entry.securityPolicies?.mounts ?? [];
  if (mounts.length === 0) return true;
  for (const mount of mounts)
    io.stdout(
      `${built.name} will see ${mount.source} at ${mount.target} (${mount.readOnly === false ? 'read-write' : 'read-only'})\n`,
    );
  if (io.stdin.isTTY !== true) return true;
  const answer = await promptLine('Mount and add it? [y/N] ', io);
  return /^y(es)?$/i.test(answer.trim());
}

/** A short name (`memory`) for the one catalog server it can only mean. */
async function fullName(catalog: Catalog, short: string): Promise<string> {
  const result = await catalog.search(short, { limit: 100 });
  const exact = result.entries.filter((entry) => {
    const last = entry.name.split('/').pop() ?? '';
    return last === short || serverNameFrom(last) === short;
  });
  if (exact.length === 1 && exact[0] !== undefined) return exact[0].name;
  const candidates = (exact.length > 1 ? exact : result.entries).slice(0, 8).map((e) => e.name);
  throw new MCPError(
    MCPErrorCode.CatalogNotFound,
    candidates.length === 0
      ? `no catalog server is called "${short}"`
      : `"${short}" could mean ${candidates.join(', ')}`,
    {
      hint: 'Give the full registry name (`mcpman search` shows them), or a source such as npx://pkg@version.',
    },
  );
}

/** `mcpman add <registry-name>[@version]`: a catalog server into the config. */
export async function addFromCatalog(
  spec: string,
  options: AddFromCatalogOptions,
  io: CliIO,
): Promise<ExitCodeValue> {
  const catalog = await catalogFor(options, io);
  const match = REGISTRY_NAME.exec(spec);
  const name = match?.[1] ?? (await fullName(catalog, spec));
  const resolved = await catalog.resolve(name, match?.[2] ?? 'latest');
  const document: ServerJson = resolved.document;
  const prefer = preferred(options);
  const plan = await planServerHere(document, {
    ...(prefer === undefined ? {} : { prefer }),
    trustIndex: options.trustIndex === true,
  });
  checkIndexTrusted(document, plan, options.trustIndex === true);
  const serverName = options.name ?? plan.name;
  const store = new ConfigStore(resolveConfigPath(options.file, io.cwd));
  // Said before anything is asked; installCatalogServer checks again before it writes.
  if (serverName in (await store.loadOrEmpty()).config.servers)
    throw new MCPError(MCPErrorCode.ConfigInvalid, `a server named "${serverName}" is already configured`, {
      hint: 'Pick another with --name, or `mcpman rm` it first.',
    });
  const given = answersFromFlags(plan, options);
  const newSecrets = await askForTheRest(plan, serverName, given, io);
  const built = await installCatalogServer({
    document,
    plan,
    name: serverName,
    answers: { values: Object.fromEntries(given.values), secrets: Object.fromEntries(given.secrets) },
    newSecrets,
    store,
    cwd: io.cwd,
    confirm: (entry) => confirmMounts(entry, io),
    trustIndex: options.trustIndex === true,
    ...(newSecrets.size === 0 ? {} : { secrets: new PodmanSecretStore(await connectEngine(io)) }),
  });
  for (const secret of built.secrets) io.stdout(`stored secret ${secret} as a Podman secret\n`);
  io.stdout(
    `added ${serverName} (${document.name}@${document.version}, ${plan.runs}) from ${describeSources([resolved.from])} to ${store.path}\n`,
  );
  for (const note of built.notes) io.stdout(`  note: ${note}\n`);
  if (prefer === undefined)
    for (const kind of plan.alternatives)
      io.stdout(
        `  note: it also runs as ${kind === 'remote' ? 'a remote server' : `a ${kind} package`}; \`--runs-as ${kind}\` adds that instead\n`,
      );
  const { running } = await chooseManager(io, store.path);
  if (running !== undefined) {
    await running.client.reload();
    io.stdout('the running manager is starting it (`mcpman status` shows progress)\n');
  }
  return ExitCode.Ok;
}
