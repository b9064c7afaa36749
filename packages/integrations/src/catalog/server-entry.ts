import { basename } from 'node:path';
import {
  ENV_NAME_PATTERN,
  formatSource,
  hostPython,
  resolvePypi,
  SECRET_NAME_PATTERN,
  serverNameFrom,
} from '@mcpman/core';
import { MCPError, MCPErrorCode } from '@mcpman/protocol';
import type { MCPServerConfigInput, ServerSource } from '@mcpman/core';
import type {
  KeyValueInput,
  RegistryArgument,
  RegistryInput,
  RegistryPackage,
  RemoteTransport,
  ServerJson,
} from './server-json.js';
import type { CatalogInput, InputKind, PlanKind, ServerPlan } from '@mcpman/shared/contract';

/*
 * From a server.json to a config entry. A document can offer several ways to run (packages of
 * different registries, remotes); `planServer` picks one and lists the inputs it needs, the
 * caller (CLI prompt, dashboard form) collects them, and `buildServerEntry` writes the entry.
 * Nothing here touches a file or Podman: refusing a document leaves everything as it was.
 */

export interface InputAnswers {
  /** Non-secret values by input id; repeated arguments take several. */
  readonly values?: Readonly<Record<string, string | readonly string[]>>;
  /** Podman secret names by input id, for inputs marked secret. */
  readonly secrets?: Readonly<Record<string, string>>;
}

export interface BuiltEntry {
  readonly name: string;
  readonly entry: MCPServerConfigInput;
  /** What the user should know (mounts, network, what was left out). */
  readonly notes: readonly string[];
}

const PYPI = 'https://pypi.org';
const NPM_REGISTRY = /^https:\/\/registry\.npmjs\.(org|com)\/?$/;
/** npx flags that only say "install without asking": mcpman installs the package into the image. */
const IMPLIED_NPX_ARGS = new Set(['-y', '--yes', '-q', '--quiet']);
/** uvx flags that only say "quietly": pip installs the package into the image. */
const IMPLIED_UVX_ARGS = new Set(['-q', '--quiet']);
/** docker run flags every container of mcpman has anyway. */
const IMPLIED_DOCKER_ARGS = new Set(['-i', '--interactive', '--rm', '-t', '--init']);
/** Where filepath inputs are mounted inside the container. */
const MOUNT_ROOT = '/mnt';

function unsupported(document: ServerJson, message: string, hint?: string): MCPError {
  return new MCPError(MCPErrorCode.CatalogUnsupported, `${document.name}@${document.version}: ${message}`, {
    ...(hint === undefined ? {} : { hint }),
  });
}

function inputOf(kind: InputKind, key: string, input: RegistryInput, repeated = false): CatalogInput {
  return {
    id: `${kind}:${key}`,
    kind,
    key,
    ...(input.description === undefined ? {} : { description: input.description }),
    isRequired: input.isRequired === true,
    isSecret: input.isSecret === true,
    format: input.format ?? 'string',
    ...(input.default === undefined ? {} : { default: input.default }),
    ...(input.placeholder === undefined ? {} : { placeholder: input.placeholder }),
    ...(input.choices === undefined ? {} : { choices: input.choices }),
    isRepeated: repeated,
  };
}

/** An input with a fixed `value` asks only for the {variables} in it; one without, for itself. */
function leavesOf(kind: InputKind, key: string, input: RegistryInput, repeated = false): CatalogInput[] {
  if (input.value === undefined) return [inputOf(kind, key, input, repeated)];
  return Object.entries(input.variables ?? {})
    .filter(([variable]) => input.value?.includes(`{${variable}}`) === true)
    .map(([variable, spec]) => inputOf('variable', variable, spec));
}

/** What an argument is asked and filled by: its valueHint, else a named flag's name. */
function argumentKey(argument: RegistryArgument): string | undefined {
  return argument.valueHint ?? (argument.type === 'named' ? argument.name : undefined);
}

function packageInputs(pkg: RegistryPackage): CatalogInput[] {
  const inputs: CatalogInput[] = [];
  for (const argument of pkg.packageArguments ?? []) {
    const key = argumentKey(argument);
    if (key !== undefined) inputs.push(...leavesOf('argument', key, argument, argument.isRepeated === true));
  }
  for (const variable of pkg.environmentVariables ?? [])
    inputs.push(...leavesOf('env', variable.name, variable));
  for (const header of pkg.transport.headers ?? []) inputs.push(...leavesOf('header', header.name, header));
  return inputs;
}

function remoteInputs(remote: RemoteTransport): CatalogInput[] {
  const inputs = Object.entries(remote.variables ?? {})
    .filter(([variable]) => remote.url.includes(`{${variable}}`))
    .map(([variable, spec]) => inputOf('variable', variable, spec));
  for (const header of remote.headers ?? []) inputs.push(...leavesOf('header', header.name, header));
  return inputs;
}

function unique(inputs: readonly CatalogInput[]): CatalogInput[] {
  const seen = new Map<string, CatalogInput>();
  for (const input of inputs) if (!seen.has(input.id)) seen.set(input.id, input);
  return [...seen.values()];
}

function pick(
  document: ServerJson,
  prefer: PlanKind | undefined,
): { kind: PlanKind; pkg?: RegistryPackage; remote?: RemoteTransport } {
  const packages = document.packages ?? [];
  const remotes = document.remotes ?? [];
  const npm = packages.find((pkg) => pkg.registryType === 'npm');
  const oci = packages.find((pkg) => pkg.registryType === 'oci');
  const pypi = packages.find((pkg) => pkg.registryType === 'pypi');
  // PyPI last: it needs a Python and a package index on this machine, the others do not.
  const options: { kind: PlanKind; pkg?: RegistryPackage; remote?: RemoteTransport }[] = [
    ...(npm === undefined ? [] : [{ kind: 'npm' as const, pkg: npm }]),
    ...(oci === undefined ? [] : [{ kind: 'oci' as const, pkg: oci }]),
    ...(remotes[0] === undefined ? [] : [{ kind: 'remote' as const, remote: remotes[0] }]),
    ...(pypi === undefined ? [] : [{ kind: 'pypi' as const, pkg: pypi }]),
  ];
  const chosen = prefer === undefined ? options[0] : options.find((option) => option.kind === prefer);
  if (chosen !== undefined) return chosen;
  if (prefer !== undefined && options.length > 0)
    throw unsupported(
      document,
      `it has no ${prefer} way to run; it offers ${options.map((o) => o.kind).join(', ')}`,
    );
  if (packages.length === 0 && remotes.length === 0)
    throw unsupported(document, 'the document has no packages and no remotes, so there is nothing to run');
  const types = [...new Set(packages.map((pkg) => pkg.registryType))].join(', ');
  throw unsupported(
    document,
    `registry type ${types} is not supported (mcpman runs npm, PyPI and OCI packages, and remotes)`,
    'Add it with an image: or build: source instead.',
  );
}

function checkPackage(document: ServerJson, pkg: RegistryPackage): void {
  if (
    pkg.registryType === 'npm' &&
    pkg.registryBaseUrl !== undefined &&
    !NPM_REGISTRY.test(pkg.registryBaseUrl)
  )
    throw unsupported(
      document,
      `the npm package comes from ${pkg.registryBaseUrl}; mcpman installs from the npm registry only`,
    );
  if (pkg.transport.type === 'sse')
    throw unsupported(
      document,
      'the package speaks legacy SSE; mcpman runs packaged servers over stdio or Streamable HTTP',
    );
  const implied =
    pkg.registryType === 'oci'
      ? IMPLIED_DOCKER_ARGS
      : pkg.registryType === 'pypi'
        ? IMPLIED_UVX_ARGS
        : IMPLIED_NPX_ARGS;
  const extra = (pkg.runtimeArguments ?? []).filter((argument) => {
    const text = argument.type === 'named' ? argument.name : (argument.value ?? argument.valueHint ?? '');
    return !implied.has(text);
  });
  if (extra.length > 0)
    throw unsupported(
      document,
      `runtime arguments ${extra.map((a) => (a.type === 'named' ? a.name : (a.value ?? a.valueHint))).join(' ')} for ${pkg.runtimeHint ?? pkg.registryType} are not supported: mcpman sets up the container itself`,
    );
  for (const argument of pkg.packageArguments ?? []) {
    const secret =
      argument.isSecret === true || Object.values(argument.variables ?? {}).some((v) => v.isSecret === true);
    if (secret)
      throw unsupported(
        document,
        `argument ${argumentKey(argument) ?? '(positional)'} is a secret; a secret on the command line would show in \`podman inspect\`, so mcpman passes secrets only as environment variables`,
      );
  }
  for (const variable of pkg.environmentVariables ?? []) {
    if (!ENV_NAME_PATTERN.test(variable.name))
      throw unsupported(document, `"${variable.name}" is not an environment variable name`);
    const secretVariables = Object.values(variable.variables ?? {}).filter((v) => v.isSecret === true);
    if (
      variable.value !== undefined &&
      secretVariables.length > 0 &&
      !/^\{[A-Za-z_][A-Za-z0-9_]*\}$/.test(variable.value)
    )
      throw unsupported(
        document,
        `${variable.name} mixes a secret into a longer value, which a Podman secret cannot hold`,
      );
  }
}

/** Every string of an input a document supplies (value, default, choices), variables included. */
function* inputStrings(where: string, input: RegistryInput): Generator<[string, string]> {
  for (const text of [input.value, input.default, ...(input.choices ?? [])])
    if (text !== undefined) yield [where, text];
  for (const [name, variable] of Object.entries(input.variables ?? {}))
    yield* inputStrings(`${where} {${name}}`, variable);
}

function* documentStrings(pkg?: RegistryPackage, remote?: RemoteTransport): Generator<[string, string]> {
  if (pkg !== undefined) {
    for (const argument of pkg.packageArguments ?? [])
      yield* inputStrings(`argument ${argumentKey(argument) ?? '(positional)'}`, argument);
    for (const variable of pkg.environmentVariables ?? [])
      yield* inputStrings(`env ${variable.name}`, variable);
    for (const header of pkg.transport.headers ?? []) yield* inputStrings(`header ${header.name}`, header);
    if (pkg.transport.url !== undefined) yield ['transport url', pkg.transport.url];
  }
  if (remote !== undefined) {
    yield ['url', remote.url];
    for (const header of remote.headers ?? []) yield* inputStrings(`header ${header.name}`, header);
    for (const [name, variable] of Object.entries(remote.variables ?? {}))
      yield* inputStrings(`url {${name}}`, variable);
  }
}

/**
 * A document may never name a secret: `${secret:NAME}` in a header it supplies would have the
 * gateway read any stored secret and send it to the document's URL. Only the installer writes
 * templates, from the user's own secret answers; `${` in what a document supplies is refused.
 */
function checkNoTemplates(document: ServerJson, pkg?: RegistryPackage, remote?: RemoteTransport): void {
  for (const [where, text] of documentStrings(pkg, remote)) {
    if (text.includes('${'))
      throw unsupported(
        document,
        `${where} contains "\${…}"; a registry document may not name secrets or templates (only the secrets you give when adding reach the config)`,
      );
  }
}

/** Which way the document runs here, and what it asks for. Throws when it cannot run. */
export function planServer(document: ServerJson, options: { prefer?: PlanKind } = {}): ServerPlan {
  const chosen = pick(document, options.prefer);
  if (chosen.pkg !== undefined) checkPackage(document, chosen.pkg);
  checkNoTemplates(document, chosen.pkg, chosen.remote);
  const alternatives = (['npm', 'oci', 'remote', 'pypi'] as const).filter((kind) => {
    if (kind === chosen.kind) return false;
    if (kind === 'remote') return (document.remotes ?? []).length > 0;
    return (document.packages ?? []).some((pkg) => pkg.registryType === kind);
  });
  const runs =
    chosen.pkg === undefined ? (chosen.remote?.url ?? '') : formatSource(packageSource(chosen.pkg).source);
  return {
    registryName: document.name,
    version: document.version,
    kind: chosen.kind,
    name: serverNameFrom(document.name.split('/').pop() ?? document.name),
    runs,
    inputs: unique(
      chosen.pkg !== undefined ? packageInputs(chosen.pkg) : remoteInputs(chosen.remote as RemoteTransport),
    ),
    alternatives,
    ...(packageIndexOf(chosen.pkg) === undefined ? {} : { packageIndex: packageIndexOf(chosen.pkg) }),
  };
}

interface Filled {
  readonly values: Map<string, string[]>;
  readonly secrets: Map<string, string>;
}

/** Answers, then defaults; a required input with neither is reported with all the others. */
function fill(plan: ServerPlan, answers: InputAnswers): Filled {
  const values = new Map<string, string[]>();
  const secrets = new Map<string, string>();
  const missing: string[] = [];
  for (const input of plan.inputs) {
    if (input.isSecret) {
      const secret = answers.secrets?.[input.id];
      if (secret !== undefined) {
        if (!SECRET_NAME_PATTERN.test(secret))
          throw new MCPError(
            MCPErrorCode.ConfigInvalid,
            `"${secret}" (for ${input.key}) is not a valid secret name`,
          );
        secrets.set(input.id, secret);
      } else if (input.isRequired) missing.push(`${input.key} (secret)`);
      continue;
    }
    const given = answers.values?.[input.id];
    const list = given === undefined ? [] : typeof given === 'string' ? [given] : [...given];
    if (list.some((value) => value.includes('${')))
      throw new MCPError(MCPErrorCode.ConfigInvalid, `${input.key}: a value may not contain "\${…}"`, {
        hint: 'Secrets are given as secrets (--secret VAR=NAME, or a masked field), never as templates in a value.',
      });
    // A default path is never mounted: a mount is a path the user named (a document's default
    // of `/` or `~` would hand the server the whole disk).
    const fallback = input.default === undefined || input.format === 'filepath' ? [] : [input.default];
    const chosen = list.length > 0 ? list : fallback;
    for (const value of chosen) {
      if (input.choices !== undefined && input.choices.length > 0 && !input.choices.includes(value))
        throw new MCPError(
          MCPErrorCode.ConfigInvalid,
          `${input.key} must be one of ${input.choices.join(', ')}; got "${value}"`,
        );
    }
    if (chosen.length > 0) values.set(input.id, chosen);
    else if (input.isRequired)
      missing.push(input.format === 'filepath' ? `${input.key} (a path on this machine)` : input.key);
  }
  if (missing.length > 0)
    throw new MCPError(
      MCPErrorCode.ConfigInvalid,
      `${plan.registryName} needs values for: ${missing.join(', ')}`,
      {
        hint: 'Give them with --env VAR=value, --input NAME=value and --secret VAR=SECRET_NAME, or run add on a terminal to be asked.',
        data: { missing },
      },
    );
  return { values, secrets };
}

/** Replace `{name}` with a filled variable; unknown names stay as written (the spec says so). */
function substitute(template: string, filled: Filled): string {
  return template.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name: string) => {
    return (
      filled.values.get(`variable:${name}`)?.[0] ??
      filled.values.get(`argument:${name}`)?.[0] ??
      filled.values.get(`env:${name}`)?.[0] ??
      whole
    );
  });
}

class EntryWriter {
  readonly env: Record<string, string> = {};
  readonly secrets: Record<string, string> = {};
  readonly headers: Record<string, string> = {};
  readonly args: string[] = [];
  readonly mounts: { source: string; target: string; readOnly: boolean }[] = [];
  readonly notes: string[] = [];

  constructor(private readonly filled: Filled) {}

  /** A host path given for a filepath input is mounted read-only; the argument names it inside. */
  private containerPath(hostPath: string): string {
    const existing = this.mounts.find((mount) => mount.source === hostPath);
    if (existing !== undefined) return existing.target;
    const base = basename(hostPath).replace(/[^A-Za-z0-9._-]/g, '_') || 'data';
    let target = `${MOUNT_ROOT}/${base}`;
    for (let n = 2; this.mounts.some((mount) => mount.target === target); n++)
      target = `${MOUNT_ROOT}/${base}-${n}`;
    this.mounts.push({ source: hostPath, target, readOnly: true });
    this.notes.push(
      `${hostPath} is mounted read-only at ${target}; set readOnly: false on the mount to let the server write there`,
    );
    return target;
  }

  argument(argument: RegistryArgument): void {
    const key = argumentKey(argument);
    const values =
      argument.value !== undefined
        ? [substitute(argument.value, this.filled)]
        : (this.filled.values.get(`argument:${key ?? ''}`) ?? []).map((value) =>
            argument.format === 'filepath' ? this.containerPath(value) : value,
          );
    if (argument.type === 'named') {
      if (values.length === 0 && argument.value === undefined && argument.format !== 'boolean') {
        // A named flag with no value and nothing given is left out, unless it is a bare switch.
        if (argument.isRequired === true) this.args.push(argument.name);
        return;
      }
      for (const value of values) this.args.push(`${argument.name}=${value}`);
      return;
    }
    this.args.push(...values);
  }

  variable(variable: KeyValueInput): void {
    const secret = this.secretFor('env', variable);
    if (secret !== undefined) {
      this.secrets[variable.name] = secret;
      return;
    }
    const value =
      variable.value !== undefined
        ? substitute(variable.value, this.filled)
        : this.filled.values.get(`env:${variable.name}`)?.[0];
    if (value !== undefined) this.env[variable.name] = value;
  }

  header(header: KeyValueInput): void {
    const direct = this.secretFor('header', header);
    if (direct !== undefined && header.value === undefined) {
      this.headers[header.name] = `\${secret:${direct}}`;
      return;
    }
    if (header.value === undefined) {
      const value = this.filled.values.get(`header:${header.name}`)?.[0];
      if (value !== undefined) this.headers[header.name] = value;
      return;
    }
    // Secret variables inside a header template become ${secret:NAME}, filled when connecting.
    const value = header.value.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name: string) => {
      const secret = this.filled.secrets.get(`variable:${name}`);
      return secret === undefined ? whole : `\${secret:${secret}}`;
    });
    this.headers[header.name] = substitute(value, this.filled);
  }

  /** The secret given for an input, or for the one secret variable its value consists of. */
  private secretFor(kind: InputKind, input: KeyValueInput): string | undefined {
    if (input.value === undefined) return this.filled.secrets.get(`${kind}:${input.name}`);
    const only = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(input.value)?.[1];
    return only === undefined ? undefined : this.filled.secrets.get(`variable:${only}`);
  }
}

/** The index a PyPI package of the document names, when it is not PyPI itself. */
function packageIndexOf(pkg: RegistryPackage | undefined): string | undefined {
  return pkg?.registryType === 'pypi' ? pypiIndex(pkg) : undefined;
}

/** A PyPI package's index: pip's own configuration for PyPI itself, else that index's simple API. */
function pypiIndex(pkg: RegistryPackage): string | undefined {
  const base = pkg.registryBaseUrl?.replace(/\/+$/, '');
  if (base === undefined || base === PYPI || base === 'https://pypi.python.org') return undefined;
  return base.endsWith('/simple') ? `${base}/` : `${base}/simple/`;
}

/** How a package runs as a config source (its string or object form) and as a parsed source. */
function packageSource(pkg: RegistryPackage): {
  entry: MCPServerConfigInput['source'];
  source: ServerSource;
} {
  const version = pkg.version ?? 'latest';
  if (pkg.registryType === 'npm')
    return {
      entry: `npx://${pkg.identifier}@${version}`,
      source: { type: 'npx', package: pkg.identifier, version },
    };
  if (pkg.registryType === 'pypi') {
    const index = pypiIndex(pkg);
    return {
      entry:
        index === undefined
          ? `pypi://${pkg.identifier}@${version}`
          : { pypi: `${pkg.identifier}@${version}`, index },
      source: { type: 'pypi', package: pkg.identifier, version, ...(index === undefined ? {} : { index }) },
    };
  }
  return {
    entry: `image:${pkg.identifier}`,
    source: { type: 'image', ref: pkg.identifier, pull: 'missing' },
  };
}

function portOf(url: string): { port: number; path: string } | undefined {
  try {
    const parsed = new URL(url);
    const port = Number(parsed.port);
    return Number.isInteger(port) && port > 0 ? { port, path: parsed.pathname || '/mcp' } : undefined;
  } catch {
    return undefined;
  }
}

/** The config entry for `plan` with `answers`; throws listing every required input missing. */
export function buildServerEntry(
  document: ServerJson,
  plan: ServerPlan,
  answers: InputAnswers,
  options: { name?: string } = {},
): BuiltEntry {
  const filled = fill(plan, answers);
  const writer = new EntryWriter(filled);
  const name = options.name ?? plan.name;
  if (plan.kind === 'remote') {
    const remote = (document.remotes ?? [])[0] as RemoteTransport;
    for (const header of remote.headers ?? []) writer.header(header);
    const url = substitute(remote.url, filled);
    if (/\{[A-Za-z_][A-Za-z0-9_]*\}/.test(url))
      throw new MCPError(MCPErrorCode.ConfigInvalid, `the URL ${url} still has a {variable} nobody filled`);
    return {
      name,
      entry: {
        url,
        ...(remote.type === 'sse' ? { transport: 'sse' as const } : {}),
        ...(Object.keys(writer.headers).length === 0 ? {} : { headers: writer.headers }),
      },
      notes: writer.notes,
    };
  }
  const pkg = (document.packages ?? []).find((p) => p.registryType === plan.kind) as RegistryPackage;
  for (const argument of pkg.packageArguments ?? []) writer.argument(argument);
  for (const variable of pkg.environmentVariables ?? []) writer.variable(variable);
  let transport: MCPServerConfigInput['transport'];
  if (pkg.transport.type === 'streamable-http') {
    const where = portOf(substitute(pkg.transport.url ?? '', filled));
    if (where === undefined)
      throw unsupported(
        document,
        `its Streamable HTTP URL ${pkg.transport.url ?? ''} names no port mcpman could reach`,
      );
    transport = { type: 'http', port: where.port, path: where.path };
    for (const header of pkg.transport.headers ?? []) writer.header(header);
    if (Object.keys(writer.headers).length > 0) transport = { ...transport, headers: writer.headers };
  }
  if (
    Object.keys(writer.secrets).length > 0 ||
    Object.keys(writer.env).some((key) => /KEY|TOKEN|URL/i.test(key))
  )
    writer.notes.push(
      'the server runs with no network by default; if it calls an API, set securityPolicies.network: bridge',
    );
  const { entry: source } = packageSource(pkg);
  return {
    name,
    entry: {
      source,
      ...(writer.args.length === 0 ? {} : { args: writer.args }),
      ...(transport === undefined ? {} : { transport }),
      ...(Object.keys(writer.env).length === 0 ? {} : { env: writer.env }),
      ...(Object.keys(writer.secrets).length === 0 ? {} : { secrets: writer.secrets }),
      ...(writer.mounts.length === 0 ? {} : { securityPolicies: { mounts: writer.mounts } }),
    },
    notes: writer.notes,
  };
}

/** Whether this machine can install a PyPI package: pip's dry run against the index. */
export type PypiCheck = (pkg: string, version: string, index: string | undefined) => Promise<void>;

const checkWithPip: PypiCheck = async (pkg, version, index) => {
  const python = await hostPython();
  await resolvePypi(pkg, version, { python, quick: true, ...(index === undefined ? {} : { index }) });
};

/**
 * `planServer`, and for a PyPI package whether it can run here: it is installed with this
 * machine's Python and pip, so pip is asked (a dry run) before anything is written, and the error
 * says what is missing: Python, pip, or an index that has the package.
 */
export async function planServerHere(
  document: ServerJson,
  options: { prefer?: PlanKind; checkPypi?: PypiCheck; trustIndex?: boolean } = {},
): Promise<ServerPlan> {
  const plan = planServer(document, options.prefer === undefined ? {} : { prefer: options.prefer });
  if (plan.kind !== 'pypi') return plan;
  // An index the document chose is not asked anything until the user says they trust it.
  if (plan.packageIndex !== undefined && options.trustIndex !== true) return plan;
  const pkg = (document.packages ?? []).find((p) => p.registryType === 'pypi') as RegistryPackage;
  const index = pypiIndex(pkg);
  try {
    await (options.checkPypi ?? checkWithPip)(pkg.identifier, pkg.version ?? 'latest', index);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new MCPError(
      MCPErrorCode.CatalogUnsupported,
      `${document.name}@${document.version} is a PyPI package (${pkg.identifier}), which runs on a Python image built here from packages pip installs; ${reason}`,
      {
        cause: error,
        hint:
          plan.alternatives.length > 0
            ? `Point pip at an index that has it (PIP_INDEX_URL or pip config), or add it another way: ${plan.alternatives.join(', ')}.`
            : 'Point pip at an index that has it (PIP_INDEX_URL or pip config), or add the server with an image: or build: source.',
      },
    );
  }
  return plan;
}
