import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { ClientChange, ClientInfo, ClientRequest, ClientScope } from '@mcpman/shared/contract';
import { defaultStateDir, MCPError, MCPErrorCode } from '@mcpman/protocol';
import { PROFILE_NAME_PATTERN, SERVER_NAME_HELP } from '@mcpman/core';
import type { GatewayConfig, TokenStore } from '@mcpman/core';
import { CLIENT_CATALOG, clientSpec } from './catalog.js';
import type { ClientSpec, Places } from './catalog.js';
import {
  clientState,
  connectClient,
  currentEntry,
  disconnectClient,
  targetFor,
  tokenIn,
} from './connector.js';
import type { Bridge, ClientContext, ConnectRequest, Endpoint } from './connector.js';

/** The user's folders as the clients compute them, from a process environment. */
export function placesFrom(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): Places {
  const home = env['HOME'] ?? env['USERPROFILE'] ?? homedir();
  return {
    platform: platform === 'darwin' || platform === 'win32' ? platform : 'linux',
    home,
    appData: env['APPDATA'] ?? join(home, 'AppData', 'Roaming'),
    xdgConfig: env['XDG_CONFIG_HOME'] ?? join(home, '.config'),
  };
}

/** This user's clients, with `cwd` as the project folder for the project scope. */
export function clientContext(env: NodeJS.ProcessEnv, cwd: string): ClientContext {
  return { places: placesFrom(env), cwd, env, stateFile: join(defaultStateDir(env), 'clients.json') };
}

/**
 * The CA a client needs to trust the gateway: the one named, else the `ca.pem` that `mcpman cert
 * dev` writes beside the certificate. Undefined without TLS, or when the certificate's issuer is
 * one the clients' own trust stores know.
 */
export function gatewayCa(
  gateway: GatewayConfig | undefined,
  configDir: string,
  named?: string,
): string | undefined {
  if (named !== undefined) return resolve(named);
  if (gateway?.tls === undefined) return undefined;
  const beside = join(dirname(resolve(configDir, gateway.tls.cert)), 'ca.pem');
  return existsSync(beside) ? beside : undefined;
}

export interface ClientConnectionsOptions {
  readonly context: ClientContext;
  /** The gateway's base URL (where `/mcp` is). */
  readonly gateway: URL;
  /** With `gateway.auth.mode: token`: each client gets a token of its own, revoked on disconnect. */
  readonly tokens?: TokenStore;
  /** The stdio bridge; without it, clients that must spawn a command cannot be connected. */
  readonly bridge?: Bridge;
  readonly ca?: string;
}

/**
 * A client's token: `client-<id>`, `client-<id>-<server>` when it is for one server,
 * `client-<id>_<profile>` for a profile.
 */
export function clientTokenName(client: string, endpoint: Endpoint = {}): string {
  if (endpoint.profile !== undefined) return `client-${client}_${endpoint.profile}`;
  return endpoint.server === undefined ? `client-${client}` : `client-${client}-${endpoint.server}`;
}

/** What a client's token may use: its one server, or its profile's endpoints only. */
function grantFor(endpoint: Endpoint): { servers?: string[]; profiles?: string[] } {
  if (endpoint.profile !== undefined) return { profiles: [endpoint.profile] };
  return endpoint.server === undefined ? {} : { servers: [endpoint.server] };
}

/** The endpoint fields of a request, without undefined ones. */
function endpointOf(request: Endpoint): Endpoint {
  return {
    ...(request.server === undefined ? {} : { server: request.server }),
    ...(request.profile === undefined ? {} : { profile: request.profile }),
  };
}

/** Where a project file's entry (or the bridge) reads the gateway token from. */
export const TOKEN_VARIABLE = 'MCPMAN_TOKEN';

/** A project entry's token: it is handed to the user, never written into the project. */
export function projectTokenName(client: string, endpoint: Endpoint = {}): string {
  return `${clientTokenName(client, endpoint)}-project`;
}

/** Connect and disconnect clients to one gateway: what `mcpman client` and the Clients page do. */
export class ClientConnections {
  constructor(private readonly options: ClientConnectionsOptions) {}

  list(): Promise<ClientInfo[]> {
    return Promise.all(CLIENT_CATALOG.map((spec) => clientState(spec, this.options.context)));
  }

  /** The clients named, or with `all` every installed one; an unknown name is refused. */
  async chosen(names: readonly string[], all: boolean): Promise<ClientSpec[]> {
    if (all) {
      const states = await this.list();
      return CLIENT_CATALOG.filter((_spec, index) => states[index]?.installed === true);
    }
    if (names.length === 0)
      throw new MCPError(MCPErrorCode.ConfigInvalid, 'name the clients to connect, or pass --all', {
        hint: '`mcpman client ls` lists them.',
      });
    return names.map((name) => specOf(name));
  }

  async connect(request: ClientRequest): Promise<ClientChange> {
    const spec = specOf(request.client);
    const scope = request.scope ?? 'user';
    if (request.server !== undefined && request.profile !== undefined)
      throw new MCPError(MCPErrorCode.ConfigInvalid, 'connect to a server or to a profile, not both');
    // The name goes into a URL, an entry key of another program's file and a token name.
    if (request.profile !== undefined && !PROFILE_NAME_PATTERN.test(request.profile))
      throw new MCPError(MCPErrorCode.ConfigInvalid, `"${request.profile}" is not a profile name`, {
        hint: `Profile names are ${SERVER_NAME_HELP}.`,
      });
    const endpoint = endpointOf(request);
    const base: ConnectRequest = {
      scope,
      ...endpoint,
      gateway: this.options.gateway,
      ...(this.options.bridge === undefined ? {} : { bridge: this.options.bridge }),
      ...(this.options.ca === undefined ? {} : { ca: this.options.ca }),
    };
    if (scope === 'project' && this.options.tokens !== undefined)
      return this.connectProject(spec, base, request);
    // A client this gateway cannot reach is refused before a token is made for it.
    targetFor(spec, base);
    const headers = this.options.tokens === undefined ? {} : await this.tokenHeader(spec, scope, endpoint);
    return connectClient(spec, { ...base, headers }, this.options.context);
  }

  /**
   * A project file is shared (committed, cloned, read by teammates), so it never holds a token:
   * the entry names MCPMAN_TOKEN from the environment (in a header where the client expands
   * variables, else through the stdio bridge, which reads it itself), and the token is handed
   * back once for the user to set.
   */
  private async connectProject(
    spec: ClientSpec,
    base: ConnectRequest,
    request: ClientRequest,
  ): Promise<ClientChange> {
    const reference = spec.envReference?.(TOKEN_VARIABLE);
    const asked: ConnectRequest = {
      ...base,
      tokenFromEnvironment: true,
      ...(reference === undefined ? {} : { headers: { Authorization: `Bearer ${reference}` } }),
    };
    targetFor(spec, asked);
    const store = this.options.tokens;
    if (store === undefined) return connectClient(spec, base, this.options.context);
    const endpoint = endpointOf(request);
    const name = projectTokenName(spec.id, endpoint);
    await store.revoke(name);
    const created = await store.create({ name, admin: false, ...grantFor(endpoint) });
    const change = await connectClient(spec, asked, this.options.context);
    return { ...change, environment: { [TOKEN_VARIABLE]: created.token } };
  }

  async disconnect(request: ClientRequest): Promise<ClientChange> {
    const spec = specOf(request.client);
    const endpoint = endpointOf(request);
    const change = await disconnectClient(
      spec,
      { scope: request.scope ?? 'user', ...endpoint },
      this.options.context,
    );
    const scope = request.scope ?? 'user';
    await this.options.tokens?.revoke(
      scope === 'project' ? projectTokenName(spec.id, endpoint) : clientTokenName(spec.id, endpoint),
    );
    return change;
  }

  /**
   * The client's own API token, scoped to the server or profile when one is named: the one its
   * entry already carries while it is valid, else a new one (replacing an older one of the same
   * name).
   */
  private async tokenHeader(
    spec: ClientSpec,
    scope: ClientScope,
    endpoint: Endpoint,
  ): Promise<Record<string, string>> {
    const store = this.options.tokens;
    if (store === undefined) return {};
    const name = clientTokenName(spec.id, endpoint);
    const entry = await currentEntry(spec, { scope, ...endpoint }, this.options.context);
    const current = tokenIn(entry);
    if (current !== undefined && (await store.verify(current))?.name === name)
      return { Authorization: `Bearer ${current}` };
    await store.revoke(name);
    const created = await store.create({ name, admin: false, ...grantFor(endpoint) });
    return { Authorization: `Bearer ${created.token}` };
  }
}

function specOf(name: string): ClientSpec {
  const spec = clientSpec(name);
  if (spec === undefined)
    throw new MCPError(MCPErrorCode.ConfigInvalid, `unknown client "${name}"`, {
      hint: `Known clients: ${CLIENT_CATALOG.map((c) => c.id).join(', ')}.`,
    });
  return spec;
}
