import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/*
 * A real HTTP server speaking the MCP Registry API v0.1 over documents it is given, for tests:
 * list with search (name substring), limit, cursor and version (latest or exact), versions of a
 * server, one version or `latest`. Documents are served as given, valid or not, so tests can
 * feed it bad ones too. Publication order is the order given: the last version of a name is its
 * latest.
 */

export interface LocalRegistry {
  readonly url: string;
  /** Paths with query strings, in the order they were asked. */
  readonly requests: string[];
  close(): Promise<void>;
}

interface Published {
  readonly name: string;
  readonly version: string;
  readonly document: unknown;
  readonly publishedAt: string;
  isLatest: boolean;
}

function fieldOf(document: unknown, key: 'name' | 'version'): string {
  const value = (document as Record<string, unknown> | null)?.[key];
  return typeof value === 'string' ? value : '';
}

function publish(documents: readonly unknown[]): Published[] {
  const published = documents.map((document, index) => ({
    name: fieldOf(document, 'name'),
    version: fieldOf(document, 'version'),
    document,
    publishedAt: new Date(Date.UTC(2026, 0, 1) + index * 60_000).toISOString(),
    isLatest: false,
  }));
  const latest = new Map<string, Published>();
  for (const entry of published) latest.set(entry.name, entry);
  for (const entry of latest.values()) entry.isLatest = true;
  return published;
}

function response(entry: Published): unknown {
  return {
    server: entry.document,
    _meta: {
      'io.modelcontextprotocol.registry/official': {
        status: 'active',
        publishedAt: entry.publishedAt,
        updatedAt: entry.publishedAt,
        isLatest: entry.isLatest,
      },
    },
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function list(entries: readonly Published[], query: URLSearchParams, maxPage: number): unknown {
  const search = query.get('search')?.toLowerCase();
  const version = query.get('version');
  const limit = Math.min(maxPage, Math.max(1, Number(query.get('limit') ?? 30) || 30));
  const matching = entries
    .filter((entry) => search === undefined || entry.name.toLowerCase().includes(search))
    .filter(
      (entry) => version === null || (version === 'latest' ? entry.isLatest : entry.version === version),
    )
    .toSorted((a, b) => a.name.localeCompare(b.name) || a.publishedAt.localeCompare(b.publishedAt));
  const cursor = query.get('cursor');
  const start =
    cursor === null ? 0 : matching.findIndex((entry) => `${entry.name}:${entry.version}` === cursor) + 1;
  const page = matching.slice(start, start + limit);
  const last = page.at(-1);
  const more = start + limit < matching.length && last !== undefined;
  return {
    servers: page.map(response),
    metadata: { count: page.length, ...(more ? { nextCursor: `${last.name}:${last.version}` } : {}) },
  };
}

function answer(entries: readonly Published[], maxPage: number, req: IncomingMessage): [number, unknown] {
  const url = new URL(req.url ?? '/', 'http://registry.local');
  if (req.method !== 'GET') return [405, { error: 'read-only registry' }];
  if (url.pathname === '/v0.1/servers') return [200, list(entries, url.searchParams, maxPage)];
  const match = /^\/v0\.1\/servers\/([^/]+)\/versions(?:\/([^/]+))?$/.exec(url.pathname);
  if (match === null) return [404, { error: 'Not found' }];
  const name = decodeURIComponent(match[1] ?? '');
  const versions = entries.filter((entry) => entry.name === name);
  if (versions.length === 0) return [404, { error: 'Server not found' }];
  if (match[2] === undefined)
    return [200, { servers: versions.toReversed().map(response), metadata: { count: versions.length } }];
  const wanted = decodeURIComponent(match[2]);
  const entry = versions.find((e) => (wanted === 'latest' ? e.isLatest : e.version === wanted));
  return entry === undefined ? [404, { error: 'Server version not found' }] : [200, response(entry)];
}

/** `maxPageSize`: the most servers one page holds, whatever `limit` asks (registries cap it too). */
export async function startLocalRegistry(
  documents: readonly unknown[],
  options: { maxPageSize?: number } = {},
): Promise<LocalRegistry> {
  const maxPage = options.maxPageSize ?? 100;
  const entries = publish(documents);
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? '/');
    const [status, body] = answer(entries, maxPage, req);
    send(res, status, body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
