import { dirname } from 'node:path';
import { ConfigError, ConfigStore, assertSecretName, formatIssue, serverConfigIssues } from '@mcpman/core';
import { MCPError, MCPErrorCode, secretRedactor, toMCPError } from '@mcpman/protocol';
import {
  Catalog,
  ClientConnections,
  registryCacheDir,
  installCatalogServer,
  planServerHere,
  secretNameFor,
  clientContext,
  gatewayCa,
} from '@mcpman/integrations';
import type { GatewayConfig, SecretStore, TokenStore } from '@mcpman/core';
import type { Disposable, JsonObject } from '@mcpman/protocol';
import type { Bridge } from '@mcpman/integrations';
import type {
  CapabilitiesDto,
  CatalogAddRequest,
  CatalogAdded,
  PlanKind,
  SearchResult,
  ServerPlan,
  ClientChange,
  ClientInfo,
  ClientRequest,
  CreateTokenRequest,
  CreatedTokenDto,
  EndpointUrls,
  FieldIssue,
  GatewayDto,
  McpManagerApi,
  Overview,
  PromptDto,
  ResourceDto,
  RpcErrorBody,
  ServerDetailDto,
  ServerFiguresDto,
  TokenInfo,
  ToolCallResultDto,
  ToolDto,
} from '@mcpman/shared';
import { CatalogAddRequestSchema } from '@mcpman/shared';
import { serverNotFound } from '../api/management-api.js';
import type { ManagementBackend } from '../api/management-api.js';
import type { ServerFigures } from '@mcpman/gateway';
import type { Gateway } from '@mcpman/gateway';
import type { Identity } from '@mcpman/gateway';
import { GatewayInspector } from './gateway-inspector.js';
import { ServerHistory } from './server-history.js';

export interface DashboardServiceOptions {
  readonly management: ManagementBackend;
  readonly gateway: Gateway;
  readonly gatewayConfig: GatewayConfig;
  readonly tokens: TokenStore;
  readonly secrets: SecretStore;
  /** The config file the servers come from; edits are written there (atomically). */
  readonly configPath: string;
  /** The stdio bridge for clients that can only spawn a command (none: those are refused). */
  readonly bridge?: Bridge;
  /** Gateway counters by server (tool calls and errors). */
  readonly figures: () => Promise<Readonly<Record<string, ServerFigures>>>;
  /** The HTTP listener's URL once started, and the gRPC address (when on). */
  readonly urls: () => { readonly http: URL | undefined; readonly grpc: string | undefined };
  /** Who the dashboard's own MCP calls run as (audit lines, rate limits). */
  readonly identity?: Identity;
  readonly sampleMs?: number;
  readonly requestTimeoutMs?: number;
}

const DASHBOARD: Identity = { name: 'dashboard', kind: 'local', admin: true };

function objectOf(value: unknown): JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : {};
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The error body the UI shows: the manager's code, message and what to do. */
export function rpcErrorOf(error: unknown): RpcErrorBody {
  if (error instanceof ConfigError) {
    return {
      code: error.code,
      message: [error.message, ...error.issues.map((issue) => formatIssue(issue))].join('\n'),
      ...(error.hint === undefined ? {} : { hint: error.hint }),
    };
  }
  const failure = toMCPError(error);
  return {
    code: failure.code,
    message: secretRedactor.redact(failure.message),
    ...(failure.hint === undefined ? {} : { hint: failure.hint }),
  };
}

const notFound = (name: string): MCPError =>
  serverNotFound(name, 'It may have been removed from the config; the server list shows the current ones.');

/**
 * The dashboard's backend: everything the UI can ask (`McpManagerApi`), over the same parts
 * the CLI uses — the manager for servers, the gateway pipeline for MCP calls, the config store
 * for edits, the token and secret stores. The daemon serves it over HTTP, the Podman Desktop
 * extension over the webview.
 */
export class DashboardService implements McpManagerApi, Disposable {
  private readonly inspector: GatewayInspector;
  private readonly history: ServerHistory;
  /** The catalog of the registries last asked for (see catalog()). */
  private catalogFor: { key: string; catalog: Catalog } | undefined;
  private readonly store: ConfigStore;
  private readonly timeoutMs: number;

  constructor(private readonly options: DashboardServiceOptions) {
    this.inspector = new GatewayInspector(options.gateway, options.identity ?? DASHBOARD);
    this.store = new ConfigStore(options.configPath);
    this.timeoutMs = options.requestTimeoutMs ?? 30_000;
    this.history = new ServerHistory({
      bus: options.management.bus,
      figures: () => this.currentFigures(),
      sampleMs: options.sampleMs ?? 5000,
      keep: 360,
    });
  }

  async getOverview(): Promise<Overview> {
    this.history.watch();
    const servers = this.options.management.servers();
    const info = this.options.management.info();
    return {
      version: info.version,
      configPath: info.configPath,
      servers: secretRedactor.redactValue(servers) as Overview['servers'],
      figures: await this.currentFigures(),
      endpoints: Object.fromEntries(servers.map((s) => [s.name, this.endpoints(`/servers/${s.name}`)])),
      others: await this.otherServers(),
      notices: this.options.management.notices?.() ?? [],
    };
  }

  private async otherServers(): Promise<Overview['others']> {
    const others = (await this.options.management.otherServers?.().catch(() => [])) ?? [];
    return others.map(({ name, owner, state, transport, containerName }) => ({
      name,
      owner,
      state,
      transport,
      containerName,
    }));
  }

  async getServer(name: string): Promise<ServerDetailDto> {
    const detail = this.options.management.server(name);
    if (detail === undefined) throw notFound(name);
    this.history.watch();
    const loaded = await this.store.loadOrEmpty().catch(() => undefined);
    const entry: unknown = loaded?.document.getIn(['servers', name]);
    const config =
      typeof entry === 'object' && entry !== null && 'toJSON' in entry
        ? (entry as { toJSON(): unknown }).toJSON()
        : entry;
    return secretRedactor.redactValue({
      status: detail.status,
      config: config ?? null,
      logs: detail.logs.slice(-500),
      health: this.history.healthOf(name),
      metrics: this.history.metricsOf(name),
      endpoints: this.endpoints(`/servers/${name}`),
    }) as ServerDetailDto;
  }

  async startServer(name: string): Promise<void> {
    this.requireServer(name);
    await this.control('start', name);
  }

  async stopServer(name: string): Promise<void> {
    this.requireServer(name);
    await this.control('stop', name);
  }

  async restartServer(name: string): Promise<void> {
    this.requireServer(name);
    await this.options.management.restart(name);
  }

  async getCapabilities(name: string): Promise<CapabilitiesDto> {
    this.requireServer(name);
    const [tools, prompts, resources] = await Promise.all([
      this.inspector.list(name, 'tools/list', 'tools', this.timeoutMs),
      this.optionalList(name, 'prompts/list', 'prompts'),
      this.optionalList(name, 'resources/list', 'resources'),
    ]);
    return {
      tools: tools.map((tool): ToolDto => ({
        name: stringOf(tool['name']) ?? '',
        ...(stringOf(tool['title']) === undefined ? {} : { title: stringOf(tool['title']) }),
        ...(stringOf(tool['description']) === undefined
          ? {}
          : { description: stringOf(tool['description']) }),
        inputSchema: objectOf(tool['inputSchema']),
      })),
      prompts: prompts.map((prompt): PromptDto => ({
        name: stringOf(prompt['name']) ?? '',
        ...(stringOf(prompt['description']) === undefined
          ? {}
          : { description: stringOf(prompt['description']) }),
      })),
      resources: resources.map((resource): ResourceDto => ({
        uri: stringOf(resource['uri']) ?? '',
        ...(stringOf(resource['name']) === undefined ? {} : { name: stringOf(resource['name']) }),
        ...(stringOf(resource['mimeType']) === undefined ? {} : { mimeType: stringOf(resource['mimeType']) }),
      })),
    };
  }

  async callTool(
    server: string,
    tool: string,
    args: Readonly<Record<string, unknown>>,
  ): Promise<ToolCallResultDto> {
    this.requireServer(server);
    const started = performance.now();
    const result = await this.inspector.request(
      server,
      'tools/call',
      { name: tool, arguments: objectOf(args) },
      120_000,
    );
    return {
      content: Array.isArray(result['content']) ? (result['content'] as unknown[]) : [],
      ...(result['structuredContent'] === undefined
        ? {}
        : { structuredContent: result['structuredContent'] }),
      isError: result['isError'] === true,
      durationMs: Math.round(performance.now() - started),
    };
  }

  validateServer(name: string, config: unknown): Promise<readonly FieldIssue[]> {
    return Promise.resolve(
      serverConfigIssues(name, config).map((issue) => ({ path: issue.path, message: issue.message })),
    );
  }

  async saveServer(name: string, config: unknown, options: { readonly create: boolean }): Promise<void> {
    const issues = serverConfigIssues(name, config);
    if (issues.length > 0) {
      throw new MCPError(
        MCPErrorCode.ConfigInvalid,
        issues.map((issue) => `${issue.path}: ${issue.message}`).join('\n'),
        { hint: 'Fix the fields named above; nothing was written.' },
      );
    }
    const exists = this.options.management.server(name) !== undefined;
    if (options.create && exists) {
      throw new MCPError(MCPErrorCode.ConfigInvalid, `a server named "${name}" already exists`, {
        hint: 'Choose another name, or edit that server instead.',
      });
    }
    // Validated above against the same schema setServer checks again before writing.
    await this.store.setServer(name, objectOf(config));
    await this.options.management.reload();
  }

  async removeServer(name: string): Promise<void> {
    await this.store.removeServer(name);
    await this.options.management.reload();
  }

  listSecrets(): Promise<readonly string[]> {
    return this.options.secrets.list();
  }

  async setSecret(name: string, value: string): Promise<void> {
    assertSecretName(name);
    if (typeof value !== 'string' || value === '') {
      throw new MCPError(MCPErrorCode.SecretInvalid, `secret "${name}" needs a value`);
    }
    await this.options.secrets.set(name, value);
  }

  async getGateway(): Promise<GatewayDto> {
    const config = this.options.gatewayConfig;
    const { http, grpc } = this.options.urls();
    const base = http?.toString() ?? '';
    const ws = base.replace(/^http/, 'ws');
    const profiles = (await this.options.gateway.profiles()).map((profile) => ({
      ...profile,
      url: `${base}profiles/${encodeURIComponent(profile.name)}/mcp`,
    }));
    return {
      transports: [
        { name: 'Streamable HTTP', url: `${base}mcp`, enabled: true },
        { name: 'HTTP+SSE (legacy)', url: `${base}sse`, enabled: true },
        { name: 'WebSocket', url: `${ws}ws`, enabled: true },
        {
          name: 'gRPC',
          url: grpc === undefined ? '' : `${config.tls === undefined ? 'grpc' : 'grpcs'}://${grpc}`,
          enabled: grpc !== undefined,
        },
        { name: 'stdio', url: 'mcpman connect', enabled: true },
      ],
      profiles,
      authMode: config.auth.mode,
      tls: config.tls !== undefined,
      rateLimit: config.rateLimit,
    };
  }

  listClients(): Promise<readonly ClientInfo[]> {
    return this.clients().list();
  }

  connectClient(request: ClientRequest): Promise<ClientChange> {
    return this.clients().connect(request);
  }

  disconnectClient(request: ClientRequest): Promise<ClientChange> {
    return this.clients().disconnect(request);
  }

  async searchCatalog(query: string, limit?: number): Promise<SearchResult> {
    const catalog = await this.catalog();
    return catalog.search(typeof query === 'string' ? query : '', {
      limit: typeof limit === 'number' && Number.isInteger(limit) && limit > 0 ? Math.min(limit, 200) : 30,
    });
  }

  async planCatalogServer(registryName: string, version?: string, prefer?: PlanKind): Promise<ServerPlan> {
    const request = parseAddRequest({ registryName, version, prefer });
    const { document } = await (
      await this.catalog()
    ).resolve(request.registryName, request.version ?? 'latest');
    return planServerHere(document, request.prefer === undefined ? {} : { prefer: request.prefer });
  }

  async addCatalogServer(raw: CatalogAddRequest): Promise<CatalogAdded> {
    const request = parseAddRequest(raw);
    const { document } = await (
      await this.catalog()
    ).resolve(request.registryName, request.version ?? 'latest');
    const plan = await planServerHere(document, {
      ...(request.prefer === undefined ? {} : { prefer: request.prefer }),
      trustIndex: request.trustIndex === true,
    });
    const name = request.name ?? plan.name;
    const secrets: Record<string, string> = {};
    const newSecrets = new Map<string, string>();
    for (const [id, value] of Object.entries(request.secretValues ?? {})) {
      const input = plan.inputs.find((i) => i.id === id && i.isSecret);
      if (input === undefined || typeof value !== 'string' || value === '') continue;
      const secret = secretNameFor(name, input.key);
      secrets[id] = secret;
      newSecrets.set(secret, value);
    }
    const installed = await installCatalogServer({
      document,
      plan,
      name,
      answers: { values: request.values ?? {}, secrets },
      newSecrets,
      store: this.store,
      secrets: this.options.secrets,
      cwd: dirname(this.options.configPath),
      trustIndex: request.trustIndex === true,
    });
    await this.options.management.reload();
    return { name, notes: installed.notes, secrets: installed.secrets };
  }

  /**
   * The config's registries as they are now (an edit to registries: applies at once). One Catalog
   * per list, so search as you type does not read and validate the bundled documents per key.
   */
  private async catalog(): Promise<Catalog> {
    const { registries } = (await this.store.loadOrEmpty()).config;
    const key = registries.join('\n');
    if (this.catalogFor?.key !== key)
      this.catalogFor = { key, catalog: new Catalog({ registries, cacheDir: registryCacheDir() }) };
    return this.catalogFor.catalog;
  }

  /**
   * This user's clients and this gateway, as `mcpman client` sees them; a project scope is the
   * config file's folder.
   */
  private clients(): ClientConnections {
    const gateway = this.options.urls().http;
    if (gateway === undefined)
      throw new MCPError(
        MCPErrorCode.ConfigInvalid,
        'the gateway is not listening yet; try again in a moment',
      );
    const dir = dirname(this.options.configPath);
    const ca = gatewayCa(this.options.gatewayConfig, dir);
    return new ClientConnections({
      context: clientContext(process.env, dir),
      gateway,
      ...(this.options.gatewayConfig.auth.mode === 'token' ? { tokens: this.options.tokens } : {}),
      ...(this.options.bridge === undefined ? {} : { bridge: this.options.bridge }),
      ...(ca === undefined ? {} : { ca }),
    });
  }

  async listTokens(): Promise<readonly TokenInfo[]> {
    return this.options.tokens.list();
  }

  createToken(request: CreateTokenRequest): Promise<CreatedTokenDto> {
    const servers =
      request.servers === undefined || request.servers.length === 0 ? undefined : [...request.servers];
    return this.options.tokens.create({
      name: request.name,
      ...(servers === undefined ? {} : { servers }),
      ...(request.admin === true ? { admin: true } : {}),
    });
  }

  async revokeToken(name: string): Promise<void> {
    if (!(await this.options.tokens.revoke(name))) {
      throw new MCPError(MCPErrorCode.ConfigInvalid, `no token named "${name}"`);
    }
  }

  dispose(): void {
    this.history.dispose();
  }

  private requireServer(name: string): void {
    if (this.options.management.server(name) === undefined) throw notFound(name);
  }

  private async control(action: 'start' | 'stop', name: string): Promise<void> {
    const management = this.options.management;
    if (action === 'start' && management.start !== undefined) await management.start(name);
    else if (action === 'stop' && management.stop !== undefined) await management.stop(name);
    else throw new MCPError(MCPErrorCode.NotImplemented, `this manager cannot ${action} a single server`);
  }

  /** A server without prompts or resources answers "method not found": an empty list here. */
  private async optionalList(name: string, method: string, key: string): Promise<JsonObject[]> {
    try {
      return await this.inspector.list(name, method, key, this.timeoutMs);
    } catch (error) {
      const code = toMCPError(error).code;
      if (code === MCPErrorCode.ProtocolMethodNotFound || code === MCPErrorCode.ProtocolMissingCapability)
        return [];
      throw error;
    }
  }

  private endpoints(prefix: string): EndpointUrls {
    const base = this.options.urls().http;
    const url = (path: string): string => (base === undefined ? path : new URL(path, base).toString());
    return {
      streamableHttp: url(`${prefix}/mcp`),
      sse: url(`${prefix}/sse`),
      websocket: url(`${prefix}/ws`).replace(/^http/, 'ws'),
    };
  }

  /** Gateway counters, with container memory and CPU read from the engine now. */
  private async currentFigures(): Promise<Record<string, ServerFiguresDto>> {
    const [counters, stats] = await Promise.all([
      this.options.figures(),
      this.options.management.containerStats?.().catch(() => ({})) ?? Promise.resolve({}),
    ]);
    const out: Record<string, ServerFiguresDto> = {};
    for (const server of this.options.management.servers()) {
      const counter = counters[server.name];
      const stat = (stats as Readonly<Record<string, { memoryBytes: number; cpuSeconds: number }>>)[
        server.name
      ];
      out[server.name] = {
        toolCalls: counter?.toolCalls ?? 0,
        toolErrors: counter?.toolErrors ?? 0,
        ...(stat === undefined ? {} : { memoryBytes: stat.memoryBytes, cpuSeconds: stat.cpuSeconds }),
      };
    }
    return out;
  }
}

/**
 * The webview's request is untrusted JSON: check its shape before it reaches the installer. An
 * argument left out arrives as null (positional RPC parameters), which means "not given".
 */
function parseAddRequest(raw: unknown): CatalogAddRequest {
  const parsed = CatalogAddRequestSchema.safeParse(
    typeof raw === 'object' && raw !== null
      ? Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined && v !== null))
      : raw,
  );
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = issue === undefined || issue.path.length === 0 ? 'request' : issue.path.join('.');
  throw new MCPError(MCPErrorCode.ConfigInvalid, `catalog: ${path}: ${issue?.message ?? 'invalid'}`);
}
