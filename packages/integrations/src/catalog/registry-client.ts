import { limitedText, MCPError, MCPErrorCode } from '@mcpman/protocol';
import { loopbackOrHttps } from '@mcpman/shared';
import { z } from 'zod';

/*
 * A client of the MCP Registry API, v0.1 (the generic registry API that the official registry and
 * its subregistries serve): GET /v0.1/servers with search, limit, cursor and version,
 * GET /v0.1/servers/{name}/versions and GET /v0.1/servers/{name}/versions/{version|latest}.
 * Documents are returned as they came: the catalog validates them against the schema.
 */

/** What the official registry adds beside each document. */
const OfficialMeta = z.looseObject({
  status: z.string().optional(),
  publishedAt: z.string().optional(),
  updatedAt: z.string().optional(),
  isLatest: z.boolean().optional(),
});

const ServerResponseSchema = z.looseObject({
  server: z.unknown(),
  _meta: z.looseObject({ 'io.modelcontextprotocol.registry/official': OfficialMeta.optional() }).optional(),
});

const ServerListSchema = z.looseObject({
  servers: z.array(ServerResponseSchema),
  metadata: z.looseObject({ nextCursor: z.string().nullish(), count: z.number().optional() }).optional(),
});

export interface RegistryEntry {
  /** The server.json, not yet validated. */
  readonly server: unknown;
  readonly status?: string;
  readonly isLatest?: boolean;
  readonly publishedAt?: string;
}

export interface RegistryPage {
  readonly entries: readonly RegistryEntry[];
  readonly nextCursor?: string;
}

export interface ListQuery {
  readonly search?: string;
  readonly limit?: number;
  readonly cursor?: string;
  /** 'latest' (what search wants), an exact version, or every version when omitted. */
  readonly version?: string;
}

export interface RegistryClientOptions {
  /** Per request; the official registry is slow at times, a closed network fails fast. */
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
}

function entryOf(response: z.output<typeof ServerResponseSchema>): RegistryEntry {
  const official = response._meta?.['io.modelcontextprotocol.registry/official'];
  return {
    server: response.server,
    ...(official?.status === undefined ? {} : { status: official.status }),
    ...(official?.isLatest === undefined ? {} : { isLatest: official.isLatest }),
    ...(official?.publishedAt === undefined ? {} : { publishedAt: official.publishedAt }),
  };
}

/** A registry page of 100 full documents is well under this. */
const MAX_ANSWER_BYTES = 8 * 1024 * 1024;

export class RegistryClient {
  readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(baseUrl: string, options: RegistryClientOptions = {}) {
    // What a registry says decides what gets installed: only over https, or on this machine.
    if (!loopbackOrHttps(baseUrl))
      throw new MCPError(MCPErrorCode.ConfigInvalid, `the registry ${baseUrl} is not an https:// URL`, {
        hint: 'Registries are asked over https (plain http only on this machine, 127.0.0.1 or localhost).',
      });
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 8000;
    this.fetchImpl = options.fetch ?? fetch;
  }

  /** The URL a list query asks: also the key its answer is cached under. */
  listUrl(query: ListQuery): string {
    const url = new URL(`${this.baseUrl}/v0.1/servers`);
    if (query.search !== undefined && query.search !== '') url.searchParams.set('search', query.search);
    if (query.limit !== undefined) url.searchParams.set('limit', String(query.limit));
    if (query.cursor !== undefined) url.searchParams.set('cursor', query.cursor);
    if (query.version !== undefined) url.searchParams.set('version', query.version);
    return url.toString();
  }

  versionsUrl(name: string): string {
    return `${this.baseUrl}/v0.1/servers/${encodeURIComponent(name)}/versions`;
  }

  versionUrl(name: string, version: string): string {
    return `${this.baseUrl}/v0.1/servers/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}`;
  }

  /** GET `url` as JSON; undefined on 404 (no such server or version). */
  async getJson(url: string): Promise<unknown> {
    let response: Response;
    try {
      response = await this.fetchImpl(url, {
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const reason =
        error instanceof Error
          ? error.cause instanceof Error
            ? error.cause.message
            : error.message
          : String(error);
      throw new MCPError(
        MCPErrorCode.CatalogUnavailable,
        `the registry ${this.baseUrl} did not answer: ${reason}`,
        {
          cause: error,
        },
      );
    }
    if (response.status === 404) return undefined;
    if (!response.ok)
      throw new MCPError(
        MCPErrorCode.CatalogUnavailable,
        `the registry ${this.baseUrl} answered ${response.status} ${response.statusText} for ${url}`,
      );
    const text = await limitedText(response, MAX_ANSWER_BYTES, `the registry ${this.baseUrl}`);
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new MCPError(
        MCPErrorCode.CatalogUnavailable,
        `the registry ${this.baseUrl} sent something that is not JSON`,
        {
          cause: error,
        },
      );
    }
  }

  static parsePage(body: unknown, from: string): RegistryPage {
    const parsed = ServerListSchema.safeParse(body);
    if (!parsed.success)
      throw new MCPError(
        MCPErrorCode.CatalogUnavailable,
        `${from} is not a registry server list: ${parsed.error.issues[0]?.message ?? 'unexpected shape'}`,
      );
    const cursor = parsed.data.metadata?.nextCursor;
    return {
      entries: parsed.data.servers.map(entryOf),
      ...(cursor === undefined || cursor === null || cursor === '' ? {} : { nextCursor: cursor }),
    };
  }

  static parseEntry(body: unknown, from: string): RegistryEntry {
    const parsed = ServerResponseSchema.safeParse(body);
    if (!parsed.success || parsed.data.server === undefined)
      throw new MCPError(MCPErrorCode.CatalogUnavailable, `${from} is not a registry server response`);
    return entryOf(parsed.data);
  }
}
