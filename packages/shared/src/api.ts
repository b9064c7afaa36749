import type {
  CatalogAddRequest,
  CatalogAdded,
  ClientChange,
  ClientInfo,
  ClientRequest,
  PlanKind,
  ProfileInfo,
  SearchResult,
  ServerPlan,
  ServerStatus,
  TokenInfo,
} from './contract/index.js';

/** Per-server counters from the gateway and the engine. */
export interface ServerFiguresDto {
  readonly toolCalls: number;
  readonly toolErrors: number;
  readonly memoryBytes?: number;
  readonly cpuSeconds?: number;
}

/** Where one server (or all of them) can be reached, by transport. */
export interface EndpointUrls {
  readonly streamableHttp: string;
  readonly sse: string;
  readonly websocket: string;
}

export interface Overview {
  readonly version: string;
  readonly configPath: string;
  readonly servers: readonly ServerStatus[];
  readonly figures: Readonly<Record<string, ServerFiguresDto>>;
  /** Endpoint URLs by server name. */
  readonly endpoints: Readonly<Record<string, EndpointUrls>>;
  /** Server containers of other managers on the same engine: shown read-only, never touched. */
  readonly others: readonly OtherServerDto[];
  /**
   * What the user should know about how the manager runs: e.g. a Podman Desktop setting that
   * asked for less protection than the config file, which was kept.
   */
  readonly notices: readonly string[];
}

/** A server another manager (another config file, the CLI or the extension) runs. */
export interface OtherServerDto {
  readonly name: string;
  /** Its manager as a person reads it (the config file, or Podman Desktop). */
  readonly owner: string;
  /** The engine's container state. */
  readonly state: string;
  readonly transport: 'stdio' | 'http';
  readonly containerName: string;
}

export interface HealthSample {
  readonly at: number;
  readonly ok: boolean;
  readonly latencyMs: number;
  readonly error?: string;
}

/** One point of a server's figures over time (sampled by the backend). */
export interface MetricSample {
  readonly at: number;
  readonly memoryBytes?: number;
  readonly cpuSeconds?: number;
  readonly toolCalls: number;
  readonly toolErrors: number;
}

export interface LogLine {
  readonly at: number;
  readonly line: string;
}

export interface ServerDetailDto {
  readonly status: ServerStatus;
  /** The server's entry in the config file as written (secret values never appear there). */
  readonly config: unknown;
  readonly logs: readonly LogLine[];
  readonly health: readonly HealthSample[];
  readonly metrics: readonly MetricSample[];
  readonly endpoints: EndpointUrls;
}

export interface ToolDto {
  readonly name: string;
  readonly title?: string;
  readonly description?: string;
  readonly inputSchema: Readonly<Record<string, unknown>>;
}

export interface PromptDto {
  readonly name: string;
  readonly description?: string;
}

export interface ResourceDto {
  readonly uri: string;
  readonly name?: string;
  readonly mimeType?: string;
}

export interface CapabilitiesDto {
  readonly tools: readonly ToolDto[];
  readonly prompts: readonly PromptDto[];
  readonly resources: readonly ResourceDto[];
}

export interface ToolCallResultDto {
  /** `content` of the result, as the server sent it. */
  readonly content: readonly unknown[];
  readonly structuredContent?: unknown;
  /** The tool ran and reported a failure (`isError`), as opposed to the call failing. */
  readonly isError: boolean;
  readonly durationMs: number;
}

/** A problem with a field of a server's config, by its path. */
export interface FieldIssue {
  readonly path: string;
  readonly message: string;
}

export interface TransportDto {
  readonly name: string;
  readonly url: string;
  readonly enabled: boolean;
}

export interface GatewayDto {
  readonly transports: readonly TransportDto[];
  /** The config's profiles, each with its endpoint and the tools it lists now. */
  readonly profiles: readonly (ProfileInfo & { readonly url: string })[];
  readonly authMode: string;
  readonly tls: boolean;
  readonly rateLimit: unknown;
}

export interface CreatedTokenDto {
  /** Shown once: the gateway keeps only its hash. */
  readonly token: string;
  readonly info: TokenInfo;
}

export interface CreateTokenRequest {
  readonly name: string;
  readonly servers?: readonly string[];
  readonly admin?: boolean;
}

/**
 * What the dashboard can ask of a backend (the `mcpman up` daemon over HTTP, or the Podman
 * Desktop extension over the webview's postMessage). Every method is asynchronous and rejects
 * with an RpcError carrying the manager's error code.
 */
export interface McpManagerApi {
  getOverview(): Promise<Overview>;
  getServer(name: string): Promise<ServerDetailDto>;
  startServer(name: string): Promise<void>;
  stopServer(name: string): Promise<void>;
  restartServer(name: string): Promise<void>;
  getCapabilities(name: string): Promise<CapabilitiesDto>;
  callTool(server: string, tool: string, args: Readonly<Record<string, unknown>>): Promise<ToolCallResultDto>;
  /** Check a server entry as `mcpman validate` would, without writing anything. */
  validateServer(name: string, config: unknown): Promise<readonly FieldIssue[]>;
  /** Write a server entry to the config file (atomically) and apply it. */
  saveServer(name: string, config: unknown, options: { readonly create: boolean }): Promise<void>;
  removeServer(name: string): Promise<void>;
  listSecrets(): Promise<readonly string[]>;
  setSecret(name: string, value: string): Promise<void>;
  getGateway(): Promise<GatewayDto>;
  listTokens(): Promise<readonly TokenInfo[]>;
  createToken(request: CreateTokenRequest): Promise<CreatedTokenDto>;
  revokeToken(name: string): Promise<void>;
  /** Every client mcpman can connect: found here or not, connected to this gateway or not. */
  listClients(): Promise<readonly ClientInfo[]>;
  /** Write this gateway into the client's file (a token of its own with token auth). */
  connectClient(request: ClientRequest): Promise<ClientChange>;
  /** Take it out again (and revoke the client's token). */
  disconnectClient(request: ClientRequest): Promise<ClientChange>;
  /** Servers of the config's MCP registries (the bundled catalog when none answers). */
  searchCatalog(query: string, limit?: number): Promise<SearchResult>;
  /** How a catalog server would be added here, and the inputs it asks for. */
  planCatalogServer(registryName: string, version?: string, prefer?: PlanKind): Promise<ServerPlan>;
  /** Add it: secret values become Podman secrets, the entry goes into the config, and it starts. */
  addCatalogServer(request: CatalogAddRequest): Promise<CatalogAdded>;
}

export type ApiMethod = keyof McpManagerApi;

/** The methods a backend answers: a request naming anything else is refused. */
export const API_METHODS: readonly ApiMethod[] = [
  'getOverview',
  'getServer',
  'startServer',
  'stopServer',
  'restartServer',
  'getCapabilities',
  'callTool',
  'validateServer',
  'saveServer',
  'removeServer',
  'listSecrets',
  'setSecret',
  'getGateway',
  'listTokens',
  'createToken',
  'revokeToken',
  'listClients',
  'connectClient',
  'disconnectClient',
  'searchCatalog',
  'planCatalogServer',
  'addCatalogServer',
];

/**
 * Methods that change something (a server, a secret, a token, a client file) or act through a
 * server (a tool call). Over HTTP without authentication they need the run's dashboard key.
 */
export const CHANGING_API_METHODS: ReadonlySet<ApiMethod> = new Set<ApiMethod>([
  'startServer',
  'stopServer',
  'restartServer',
  'callTool',
  'saveServer',
  'removeServer',
  'setSecret',
  'createToken',
  'revokeToken',
  'connectClient',
  'disconnectClient',
  'addCatalogServer',
]);

/**
 * Methods that may take longer than the default timeout (a tool call, or a save that pulls or
 * builds an image before answering).
 */
export const LONG_METHODS: Readonly<Partial<Record<ApiMethod, number>>> = {
  callTool: 120_000,
  saveServer: 60_000,
  startServer: 60_000,
  restartServer: 60_000,
  stopServer: 30_000,
  // A registry that does not answer is waited for (8 s each) before the next is asked.
  searchCatalog: 45_000,
  planCatalogServer: 45_000,
  addCatalogServer: 60_000,
};
