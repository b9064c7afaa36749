import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultCacheDir } from '@mcpman/core';
import { MCPError, MCPErrorCode } from '@mcpman/protocol';
import { CatalogCache } from './catalog-cache.js';
import { RegistryClient } from './registry-client.js';
import type { RegistryEntry } from './registry-client.js';
import { validateServerJson } from './server-json.js';
import type { ServerJson } from './server-json.js';
import { BUNDLED_SOURCE } from '@mcpman/shared/contract';
import type { CatalogEntry, SearchResult, VersionInfo } from '@mcpman/shared/contract';

/** The bundled catalog: server.json documents shipped with mcpman, for when no registry answers. */
export const BUNDLED_CATALOG_DIR = fileURLToPath(new URL('../../assets/catalog/servers', import.meta.url));
export const BUNDLED = BUNDLED_SOURCE;
const HOUR = 3_600_000;
/** Pages of one registry followed per search, so a broad word cannot walk the whole registry. */
const MAX_PAGES = 10;

export interface ResolvedServer {
  readonly document: ServerJson;
  readonly from: string;
}

/** Where the CLI and the dashboard cache registry answers: `<cache>/registry`. */
export function registryCacheDir(): string {
  return join(defaultCacheDir(), 'registry');
}

export interface CatalogOptions {
  /** Registry base URLs, asked in order. */
  readonly registries: readonly string[];
  /** Where answers are cached; no cache when omitted. */
  readonly cacheDir?: string;
  /** How long a cached answer is used without asking again (default one hour). */
  readonly ttlMs?: number;
  readonly bundledDir?: string;
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
}

export function catalogEntryOf(document: ServerJson, from: string): CatalogEntry {
  const kinds = [...new Set((document.packages ?? []).map((pkg) => pkg.registryType))];
  if ((document.remotes ?? []).length > 0) kinds.push('remote');
  const secrets = [
    ...(document.packages ?? []).flatMap((pkg) => [
      ...(pkg.environmentVariables ?? []),
      ...(pkg.transport.headers ?? []),
    ]),
    ...(document.remotes ?? []).flatMap((remote) => remote.headers ?? []),
  ]
    .filter((input) => input.isSecret === true)
    .map((input) => input.name);
  const icon = webUrl(document.icons?.find((i) => i.theme !== 'dark')?.src ?? document.icons?.[0]?.src, [
    'https:',
  ]);
  return {
    name: document.name,
    ...(document.title === undefined ? {} : { title: document.title }),
    description: document.description,
    version: document.version,
    kinds,
    secrets: [...new Set(secrets)],
    // Shown as a link: only web addresses (a `javascript:` URL passes the schema's `format: uri`).
    ...(webUrl(document.repository?.url) === undefined
      ? {}
      : { repository: webUrl(document.repository?.url) }),
    ...(webUrl(document.websiteUrl) === undefined ? {} : { websiteUrl: webUrl(document.websiteUrl) }),
    ...(icon === undefined ? {} : { icon }),
    from,
  };
}

function matches(entry: CatalogEntry, words: readonly string[]): boolean {
  const text = `${entry.name} ${entry.title ?? ''} ${entry.description}`.toLowerCase();
  return words.every((word) => text.includes(word));
}

function wordsOf(query: string): string[] {
  return query
    .toLowerCase()
    .split(/\s+/)
    .filter((word) => word !== '');
}

/**
 * Servers from the configured MCP registries, with a disk cache in front and the bundled catalog
 * behind: search and add ask the registries (or a fresh cached answer), fall back to an older
 * cached answer when a registry does not answer, and to the bundled catalog when none does.
 */
export class Catalog {
  private readonly clients: RegistryClient[];
  private readonly cache: CatalogCache | undefined;
  private readonly bundledDir: string;
  private bundled: Promise<{ documents: ServerJson[]; problems: string[] }> | undefined;

  constructor(options: CatalogOptions) {
    this.clients = options.registries.map(
      (url) =>
        new RegistryClient(url, {
          ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
          ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
        }),
    );
    this.cache =
      options.cacheDir === undefined ? undefined : new CatalogCache(options.cacheDir, options.ttlMs ?? HOUR);
    this.bundledDir = options.bundledDir ?? BUNDLED_CATALOG_DIR;
  }

  get registries(): readonly string[] {
    return this.clients.map((client) => client.baseUrl);
  }

  /** Servers whose name, title or description hold every word (all servers for no words). */
  async search(query: string, options: { limit?: number; refresh?: boolean } = {}): Promise<SearchResult> {
    const limit = options.limit ?? 30;
    const words = wordsOf(query);
    const entries = new Map<string, CatalogEntry>();
    const answeredBy: string[] = [];
    const problems: string[] = [];
    for (const client of this.clients) {
      if (entries.size >= limit) break;
      try {
        const answer = await this.searchOne(client, words, limit - entries.size, options.refresh === true);
        answeredBy.push(answer.from);
        problems.push(...answer.problems);
        for (const entry of answer.entries) if (!entries.has(entry.name)) entries.set(entry.name, entry);
      } catch (error) {
        problems.push(error instanceof Error ? error.message : String(error));
      }
    }
    if (answeredBy.length === 0) {
      const bundled = await this.loadBundled();
      problems.push(...bundled.problems);
      answeredBy.push(BUNDLED);
      for (const document of bundled.documents) {
        const entry = catalogEntryOf(document, BUNDLED);
        if (entries.size < limit && matches(entry, words)) entries.set(entry.name, entry);
      }
    }
    return { entries: [...entries.values()], answeredBy, problems };
  }

  /** Every published version of `name`, newest first as the registry orders them. */
  async versions(name: string): Promise<{ versions: VersionInfo[]; from: string }> {
    const problems: string[] = [];
    for (const client of this.clients) {
      try {
        const answer = await this.get(client, client.versionsUrl(name), false);
        if (answer.body === undefined) continue;
        const page = RegistryClient.parsePage(answer.body, client.versionsUrl(name));
        const versions = page.entries.flatMap((entry) => {
          const version = (entry.server as { version?: unknown } | null)?.version;
          return typeof version === 'string'
            ? [
                {
                  version,
                  isLatest: entry.isLatest === true,
                  ...(entry.publishedAt === undefined ? {} : { publishedAt: entry.publishedAt }),
                },
              ]
            : [];
        });
        return { versions, from: answer.from };
      } catch (error) {
        problems.push(error instanceof Error ? error.message : String(error));
      }
    }
    const document = (await this.loadBundled()).documents.find((d) => d.name === name);
    if (document !== undefined)
      return { versions: [{ version: document.version, isLatest: true }], from: BUNDLED };
    throw this.notFound(name, undefined, problems);
  }

  /** The server.json of `name` at `version` (default the latest), validated. */
  async resolve(name: string, version = 'latest'): Promise<ResolvedServer> {
    const problems: string[] = [];
    for (const client of this.clients) {
      const url = client.versionUrl(name, version);
      try {
        const answer = await this.get(client, url, false);
        if (answer.body === undefined) continue;
        const entry: RegistryEntry = RegistryClient.parseEntry(answer.body, url);
        return {
          document: validateServerJson(entry.server, `${name}@${version} from ${client.baseUrl}`),
          from: answer.from,
        };
      } catch (error) {
        if (error instanceof MCPError && error.code === MCPErrorCode.CatalogInvalid) throw error;
        problems.push(error instanceof Error ? error.message : String(error));
      }
    }
    const document = (await this.loadBundled()).documents.find(
      (d) => d.name === name && (version === 'latest' || d.version === version),
    );
    if (document !== undefined) return { document, from: BUNDLED };
    throw this.notFound(name, version, problems);
  }

  private notFound(name: string, version: string | undefined, problems: readonly string[]): MCPError {
    const what =
      version === undefined || version === 'latest' ? `"${name}"` : `"${name}" at version ${version}`;
    const asked = [...this.registries, 'the bundled catalog'].join(', ');
    return new MCPError(
      problems.length === this.clients.length && problems.length > 0
        ? MCPErrorCode.CatalogUnavailable
        : MCPErrorCode.CatalogNotFound,
      `no server ${what} in ${asked}${problems.length > 0 ? `\n  ${problems.join('\n  ')}` : ''}`,
      { hint: 'Find the exact name with `mcpman search <words>`.' },
    );
  }

  private async searchOne(
    client: RegistryClient,
    words: readonly string[],
    limit: number,
    refresh: boolean,
  ): Promise<{ entries: CatalogEntry[]; from: string; problems: string[] }> {
    // The registry searches names by substring; the longest word narrows best, the rest are
    // matched here against name, title and description.
    const search = [...words].sort((a, b) => b.length - a.length)[0];
    const entries: CatalogEntry[] = [];
    const problems: string[] = [];
    let invalid = 0;
    let cursor: string | undefined;
    let from = client.baseUrl;
    for (let page = 0; page < MAX_PAGES && entries.length < limit; page++) {
      const url = client.listUrl({
        ...(search === undefined ? {} : { search }),
        limit: Math.min(100, Math.max(limit, 20)),
        version: 'latest',
        ...(cursor === undefined ? {} : { cursor }),
      });
      const answer = await this.get(client, url, refresh);
      if (page === 0) from = answer.from;
      const parsed = RegistryClient.parsePage(answer.body, url);
      for (const item of parsed.entries) {
        if (item.status === 'deleted') continue;
        try {
          const entry = catalogEntryOf(validateServerJson(item.server, url), client.baseUrl);
          if (matches(entry, words) && entries.length < limit) entries.push(entry);
        } catch {
          invalid++;
        }
      }
      cursor = parsed.nextCursor;
      if (cursor === undefined) break;
    }
    if (invalid > 0)
      problems.push(
        `${invalid} document(s) from ${client.baseUrl} do not follow the server.json schema and are left out`,
      );
    return { entries, from, problems };
  }

  /** GET through the cache: fresh cache, else the registry, else stale cache, else the error. */
  private async get(
    client: RegistryClient,
    url: string,
    refresh: boolean,
  ): Promise<{ body: unknown; from: string }> {
    const cached = await this.cache?.read(url);
    if (cached !== undefined && !refresh && this.cache?.isFresh(cached) === true)
      return { body: cached.body, from: `${client.baseUrl} (cached)` };
    try {
      const body = await client.getJson(url);
      if (body !== undefined) await this.cache?.write(url, body).catch(() => undefined);
      return { body, from: client.baseUrl };
    } catch (error) {
      if (cached === undefined) throw error;
      const age = new Date(cached.fetchedAt).toISOString();
      return { body: cached.body, from: `${client.baseUrl} (cached ${age}; the registry did not answer)` };
    }
  }

  private loadBundled(): Promise<{ documents: ServerJson[]; problems: string[] }> {
    this.bundled ??= (async () => {
      const documents: ServerJson[] = [];
      const problems: string[] = [];
      const files = (await readdir(this.bundledDir).catch(() => []))
        .filter((f) => f.endsWith('.json'))
        .sort();
      for (const file of files) {
        const path = join(this.bundledDir, file);
        try {
          documents.push(validateServerJson(JSON.parse(await readFile(path, 'utf8')) as unknown, path));
        } catch (error) {
          problems.push(error instanceof Error ? error.message : String(error));
        }
      }
      return { documents, problems };
    })();
    return this.bundled;
  }
}

/** `url` when it is an http(s) (or only `schemes`) URL, else undefined. */
function webUrl(
  url: string | undefined,
  schemes: readonly string[] = ['https:', 'http:'],
): string | undefined {
  if (url === undefined || !URL.canParse(url)) return undefined;
  return schemes.includes(new URL(url).protocol) ? url : undefined;
}
