import { constants } from 'node:fs';
import { lstat, mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { canonicalJson, MCPError, MCPErrorCode, writeFileAtomic } from '@mcpman/protocol';
import type { ClientChange, ClientInfo, ClientScope } from '@mcpman/shared/contract';
import type { ClientSpec, Places, Target } from './catalog.js';

/** What connect and disconnect need besides the client. */
export interface ClientContext {
  readonly places: Places;
  /** The project folder for `--scope project`. */
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** Where mcpman remembers what it created in client files (so disconnect undoes only that). */
  readonly stateFile: string;
}

/** The stdio bridge as a client spawns it: `<command> <prefix…> connect [server] --url …`. */
export interface Bridge {
  readonly command: string;
  readonly prefix: readonly string[];
}

export interface ConnectRequest {
  readonly scope: ClientScope;
  /**
   * The token is not written: the entry names MCPMAN_TOKEN from the environment (a URL entry's
   * header says so through `headers`; a bridge entry inherits it).
   */
  readonly tokenFromEnvironment?: boolean;
  /** One server's endpoint instead of every server's `/mcp`. */
  readonly server?: string;
  /** A profile's endpoint instead of every server's `/mcp`. */
  readonly profile?: string;
  readonly gateway: URL;
  /** The stdio bridge, for clients that can only spawn a command; absent where there is none. */
  readonly bridge?: Bridge;
  readonly headers?: Readonly<Record<string, string>>;
  /** PEM CA of a gateway whose certificate a client's own trust store does not know. */
  readonly ca?: string;
}

interface CreatedRecord {
  readonly createdFile: boolean;
  readonly createdContainer: boolean;
}

/** Which of the gateway's endpoints an entry is for: all servers, one server, or a profile. */
export type Endpoint = Pick<ConnectRequest, 'server' | 'profile'>;

/**
 * Our entry's name in a client's file: one for the gateway, one per server (`mcpman-<server>`),
 * one per profile (`mcpman_<profile>`: server names have no `_`, so the two never meet).
 */
export function entryName(endpoint: Endpoint = {}): string {
  if (endpoint.profile !== undefined) return `mcpman_${endpoint.profile}`;
  return endpoint.server === undefined ? 'mcpman' : `mcpman-${endpoint.server}`;
}

/** The endpoint's path under the gateway's URL. */
function endpointPath(endpoint: Endpoint): string {
  if (endpoint.profile !== undefined) return `profiles/${encodeURIComponent(endpoint.profile)}/mcp`;
  return endpoint.server === undefined ? 'mcp' : `servers/${encodeURIComponent(endpoint.server)}/mcp`;
}

export function clientFile(spec: ClientSpec, scope: ClientScope, context: ClientContext): string {
  if (scope === 'project') {
    if (spec.projectFile === undefined)
      throw new MCPError(MCPErrorCode.ConfigInvalid, `${spec.name} has no project file; use --scope user`);
    return resolve(context.cwd, spec.projectFile);
  }
  const path = spec.userFile(context.places);
  if (path === undefined)
    throw new MCPError(
      MCPErrorCode.ConfigInvalid,
      `${spec.name} does not run on ${context.places.platform}`,
      {
        hint: spec.projectFile === undefined ? undefined : 'It reads a project file: use --scope project.',
      },
    );
  return path;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Refuse a file that does not parse, naming where; nothing is written. */
async function checkParses(spec: ClientSpec, path: string, text: string): Promise<void> {
  // A missing or empty file is a file to start.
  const problem = text.trim() === '' ? undefined : await spec.format.problem(text);
  if (problem === undefined) return;
  throw new MCPError(
    MCPErrorCode.ConfigParse,
    `${path}:${problem.line}:${problem.column}: ${problem.message}; ${spec.name}'s file does not parse, so it was left untouched`,
    { hint: 'Fix the file (or move it away), then run the command again.' },
  );
}

/** The bridge's command line for a gateway endpoint, with the CA when one must go along. */
export function bridgeCommand(bridge: Bridge, gateway: URL, endpoint: Endpoint = {}, ca?: string): string[] {
  return [
    ...bridge.prefix,
    'connect',
    ...(endpoint.server === undefined ? [] : [endpoint.server]),
    ...(endpoint.profile === undefined ? [] : ['--profile', endpoint.profile]),
    '--url',
    gateway.toString(),
    ...(ca === undefined ? [] : ['--ca', ca]),
  ];
}

/**
 * The client's best transport, except that a private CA can travel only with the bridge (a URL
 * entry has nowhere to name it), so with one every client spawns the bridge.
 */
export function targetFor(spec: ClientSpec, request: ConnectRequest): { target: Target; note?: string } {
  // A URL entry can name the token from the environment only where the client expands variables.
  const urlPossible =
    spec.transport === 'url' && (request.tokenFromEnvironment !== true || spec.envReference !== undefined);
  if (urlPossible && request.ca === undefined) {
    return {
      target: {
        kind: 'url',
        url: new URL(endpointPath(request), request.gateway).toString(),
        headers: request.headers ?? {},
      },
    };
  }
  if (request.bridge === undefined)
    throw new MCPError(
      MCPErrorCode.ConfigInvalid,
      spec.transport === 'stdio'
        ? `${spec.name} can only spawn a command, and the mcpman command (the stdio bridge) was not found here`
        : `the gateway's certificate comes from a private CA, which only the stdio bridge can take to ${spec.name}, and the mcpman command was not found here`,
      { hint: 'Install the mcpman CLI, or run `mcpman client connect` where it is installed.' },
    );
  // The bridge sends the token itself: `mcpman connect` reads MCPMAN_TOKEN (from the entry, or
  // from the environment the client runs it in).
  const token =
    request.tokenFromEnvironment === true
      ? undefined
      : /^Bearer (.+)$/.exec(request.headers?.['Authorization'] ?? '')?.[1];
  return {
    target: {
      kind: 'stdio',
      command: request.bridge.command,
      args: bridgeCommand(request.bridge, request.gateway, request, request.ca),
      ...(token === undefined ? {} : { env: { MCPMAN_TOKEN: token } }),
    },
    ...(spec.transport === 'url'
      ? {
          note:
            request.ca !== undefined
              ? `the stdio bridge, which takes the gateway's CA (${request.ca}); a URL entry cannot`
              : `the stdio bridge, which reads MCPMAN_TOKEN from the environment; ${spec.name}'s file cannot name a variable in a header`,
        }
      : {}),
  };
}

/** Does the entry carry a credential itself (a bearer token, the bridge's MCPMAN_TOKEN)? */
function holdsCredential(target: Target): boolean {
  if (target.kind === 'stdio') return target.env?.['MCPMAN_TOKEN'] !== undefined;
  return Object.values(target.headers).some((value) => /^Bearer mcpman_/.test(value));
}

/**
 * Keep a copy of the file as it was, once: created exclusively and without following links, so a
 * `<file>.mcpman.bak` symlink planted in a repository cannot make this write elsewhere.
 */
async function keepBackup(path: string, original: string): Promise<string | undefined> {
  const backup = `${path}.mcpman.bak`;
  let handle;
  try {
    handle = await open(
      backup,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      0o600,
    );
  } catch (error) {
    // One is there already (ours from an earlier connect, or something planted): keep it as it is.
    if (
      (error as NodeJS.ErrnoException).code === 'EEXIST' ||
      (error as NodeJS.ErrnoException).code === 'ELOOP'
    )
      return undefined;
    throw error;
  }
  try {
    await handle.writeFile(original);
  } finally {
    await handle.close();
  }
  return backup;
}

/** The key path of our entry: a key in the servers object, or an index in Continue's list. */
async function entryPath(
  spec: ClientSpec,
  text: string,
  name: string,
): Promise<{ path: string[]; found: boolean }> {
  if (spec.list !== true) {
    const path = [...spec.container, name];
    return { path, found: (await spec.format.get(text, path)) !== undefined };
  }
  const list = await spec.format.get(text, spec.container);
  const items = Array.isArray(list) ? (list as unknown[]) : [];
  const index = items.findIndex((item) => (item as { name?: unknown } | null)?.name === name);
  return { path: [...spec.container, String(index < 0 ? items.length : index)], found: index >= 0 };
}

async function readState(file: string): Promise<Record<string, CreatedRecord>> {
  const text = await readText(file);
  if (text === undefined) return {};
  try {
    return JSON.parse(text) as Record<string, CreatedRecord>;
  } catch {
    return {};
  }
}

async function writeState(file: string, state: Record<string, CreatedRecord>): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFileAtomic(file, `${JSON.stringify(state, null, 2)}\n`);
}

function isEmpty(value: unknown): boolean {
  // `key:` with nothing under it reads as null in YAML.
  if (value === null) return true;
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === 'object' && Object.keys(value).length === 0;
}

/**
 * Write our entry into the client's file, changing nothing else. The first change to a file
 * that existed keeps a copy of it (`<file>.mcpman.bak`); a second connect with the same entry
 * writes nothing.
 */
export async function connectClient(
  spec: ClientSpec,
  request: ConnectRequest,
  context: ClientContext,
): Promise<ClientChange> {
  const path = clientFile(spec, request.scope, context);
  const name = entryName(request);
  if (request.scope === 'project' && (await isLink(path)))
    throw new MCPError(
      MCPErrorCode.ConfigInvalid,
      `${path} is a symbolic link; a project's client file is edited only where it is`,
      {
        hint: 'A project file comes with the repository: replace the link with a file, or use --scope user.',
      },
    );
  const original = await readText(path);
  const text = original ?? '';
  await checkParses(spec, path, text);
  const { target, note } = targetFor(spec, request);
  const credential = holdsCredential(target);
  if (credential && request.scope === 'project')
    throw new MCPError(MCPErrorCode.Internal, `a token would be written into the project file ${path}`);
  const entry = spec.entry(target, name);
  const how = target.kind;
  const said = { how, ...(note === undefined ? {} : { note }) };
  const at = await entryPath(spec, text, name);
  // Compared as canonical JSON: parsers hand back objects of their own kinds, key order aside.
  if (at.found && canonicalJson(await spec.format.get(text, at.path)) === canonicalJson(entry))
    return { client: spec.id, path, entry: name, changed: false, ...said };
  const containerExisted = (await spec.format.get(text, spec.container)) !== undefined;
  const updated =
    spec.list === true && !containerExisted
      ? await spec.format.set(text, spec.container, [entry])
      : await spec.format.set(text, at.path, entry);
  const backup = original === undefined ? undefined : await keepBackup(path, original);
  await mkdir(dirname(path), { recursive: true });
  // A file holding a token is the user's alone: made 0600, or tightened to it (and said so).
  const exposed = credential && original !== undefined && ((await stat(path)).mode & 0o077) !== 0;
  await writeFileAtomic(path, updated, credential ? { mode: 0o600, enforceMode: true } : {});
  const notes = [
    ...(note === undefined ? [] : [note]),
    ...(exposed ? [`${path} was readable by other users and holds a token now, so it was made 0600`] : []),
  ];
  const state = await readState(context.stateFile);
  state[path] ??= { createdFile: original === undefined, createdContainer: !containerExisted };
  await writeState(context.stateFile, state);
  return {
    client: spec.id,
    path,
    entry: name,
    changed: true,
    how,
    ...(notes.length === 0 ? {} : { note: notes.join('; ') }),
    ...(backup === undefined ? {} : { backup }),
  };
}

async function isLink(path: string): Promise<boolean> {
  return lstat(path).then(
    (info) => info.isSymbolicLink(),
    () => false,
  );
}

/** Take our entry out again; what connect created around it (the servers key, the file) goes too. */
export async function disconnectClient(
  spec: ClientSpec,
  request: Pick<ConnectRequest, 'scope' | 'server' | 'profile'>,
  context: ClientContext,
): Promise<ClientChange> {
  const path = clientFile(spec, request.scope, context);
  const name = entryName(request);
  const text = await readText(path);
  if (text === undefined) return { client: spec.id, path, entry: name, changed: false };
  await checkParses(spec, path, text);
  const at = await entryPath(spec, text, name);
  if (!at.found) return { client: spec.id, path, entry: name, changed: false };
  let updated = await spec.format.set(text, at.path, undefined);
  const state = await readState(context.stateFile);
  const record = state[path];
  if (record?.createdContainer === true && isEmpty(await spec.format.get(updated, spec.container)))
    updated = await spec.format.set(updated, spec.container, undefined);
  const nothingLeft = updated.trim() === '' || isEmpty(await spec.format.get(updated, []));
  if (record?.createdFile === true && nothingLeft) await rm(path, { force: true });
  else await writeFileAtomic(path, updated);
  if (record !== undefined && !(await hasOurEntries(spec, path))) {
    // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- keyed by file path
    delete state[path];
    await writeState(context.stateFile, state);
  }
  return { client: spec.id, path, entry: name, changed: true };
}

async function hasOurEntries(spec: ClientSpec, path: string): Promise<boolean> {
  const text = await readText(path);
  if (text === undefined) return false;
  return (await ourEntries(spec, text)).length > 0;
}

async function ourEntries(spec: ClientSpec, text: string): Promise<[string, Record<string, unknown>][]> {
  const container = await spec.format.get(text, spec.container);
  const pairs: [string, unknown][] = Array.isArray(container)
    ? (container as unknown[]).map((item) => {
        const name = (item as { name?: unknown } | null)?.name;
        return [typeof name === 'string' ? name : '', item];
      })
    : Object.entries(typeof container === 'object' && container !== null ? container : {});
  return pairs
    .filter(([name]) => name === 'mcpman' || name.startsWith('mcpman-') || name.startsWith('mcpman_'))
    .map(([name, value]) => [
      name,
      typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {},
    ]);
}

function onPath(binary: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  const dirs = (env['PATH'] ?? '').split(delimiter).filter((dir) => isAbsolute(dir));
  return Promise.all(dirs.map((dir) => exists(join(dir, binary)))).then((found) => found.some(Boolean));
}

/** Whether the client is on this machine and what of ours its user file holds. */
export async function clientState(spec: ClientSpec, context: ClientContext): Promise<ClientInfo> {
  const path = spec.userFile(context.places);
  const text = path === undefined ? undefined : await readText(path);
  const installed =
    path !== undefined &&
    (text !== undefined ||
      // The client's own folder (not the home folder a dotfile sits in) says it was installed.
      (dirname(path) !== context.places.home && (await exists(dirname(path)))) ||
      (await Promise.all((spec.binaries ?? []).map((binary) => onPath(binary, context.env)))).some(Boolean));
  const parses = text !== undefined && (await spec.format.problem(text)) === undefined;
  const entries = parses ? await ourEntries(spec, text) : [];
  return {
    id: spec.id,
    name: spec.name,
    installed,
    path,
    transport: spec.transport,
    ...(spec.projectFile === undefined ? {} : { projectFile: spec.projectFile }),
    connected: entries.map(([entry, value]) => {
      const url = ['url', 'serverUrl', 'httpUrl', 'uri']
        .map((key) => value[key])
        .find((v) => typeof v === 'string');
      const headers = JSON.stringify(
        value['headers'] ?? value['http_headers'] ?? value['requestOptions'] ?? value['env'] ?? {},
      );
      return {
        entry,
        how: typeof url === 'string' ? ('url' as const) : ('stdio' as const),
        ...(typeof url === 'string' ? { url } : {}),
        token: /Bearer |MCPMAN_TOKEN/.test(headers),
      };
    }),
  };
}

/** Our entry in the client's file, as it is now (undefined when there is none or no file). */
export async function currentEntry(
  spec: ClientSpec,
  request: Pick<ConnectRequest, 'scope' | 'server' | 'profile'>,
  context: ClientContext,
): Promise<Record<string, unknown> | undefined> {
  const path = clientFile(spec, request.scope, context);
  const text = await readText(path);
  if (text === undefined || (text.trim() !== '' && (await spec.format.problem(text)) !== undefined))
    return undefined;
  const name = entryName(request);
  return (await ourEntries(spec, text)).find(([entry]) => entry === name)?.[1];
}

/** The API token an entry carries (in a header, or the bridge's MCPMAN_TOKEN). */
export function tokenIn(entry: Record<string, unknown> | undefined): string | undefined {
  const text = JSON.stringify(entry ?? {});
  return /Bearer ([A-Za-z0-9_.~+/=-]+)/.exec(text)?.[1] ?? /"MCPMAN_TOKEN":"([^"]+)"/.exec(text)?.[1];
}
