import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MCPErrorCode } from '@mcpman/protocol';
import { BUNDLED, BUNDLED_CATALOG_DIR, Catalog, catalogEntryOf } from './catalog.js';
import { validateServerJson } from './server-json.js';
import { RegistryClient } from './registry-client.js';
import { startLocalRegistry } from './testing/local-registry.js';
import type { LocalRegistry } from './testing/local-registry.js';

const MEMORY = 'io.github.modelcontextprotocol/server-memory';

async function bundledDocuments(): Promise<Record<string, unknown>[]> {
  const files = (await readdir(BUNDLED_CATALOG_DIR)).sort();
  return Promise.all(
    files.map(
      async (file) =>
        JSON.parse(await readFile(join(BUNDLED_CATALOG_DIR, file), 'utf8')) as Record<string, unknown>,
    ),
  );
}

/** A closed port: connecting is refused at once, as on a machine with no network. */
const NOWHERE = 'http://127.0.0.1:9';

describe('Catalog', () => {
  let cacheDir: string;
  let registry: LocalRegistry | undefined;

  beforeEach(async () => {
    cacheDir = await mkdtemp(join(tmpdir(), 'mcpman-catalog-'));
  });
  afterEach(async () => {
    await registry?.close();
    registry = undefined;
    await rm(cacheDir, { recursive: true, force: true });
  });

  async function withRegistry(extra: unknown[] = []): Promise<LocalRegistry> {
    const documents = await bundledDocuments();
    const oldMemory = { ...documents.find((d) => d['name'] === MEMORY), version: '2025.1.1' };
    // Publication order: the old memory first, so the bundled one is the latest.
    registry = await startLocalRegistry([oldMemory, ...documents, ...extra]);
    return registry;
  }

  it('ships at least 40 bundled documents, every one valid against the registry schema', async () => {
    const result = await new Catalog({ registries: [] }).search('', { limit: 1000 });
    expect(result.answeredBy).toEqual([BUNDLED]);
    expect(result.problems).toEqual([]);
    expect(result.entries.length).toBeGreaterThanOrEqual(40);
    const kinds = new Set(result.entries.flatMap((entry) => entry.kinds));
    expect([...kinds].sort()).toEqual(['npm', 'oci', 'pypi', 'remote']);
  });

  it('searches a registry by words, asking for the latest versions by name', async () => {
    const local = await withRegistry();
    const catalog = new Catalog({ registries: [local.url] });
    const brave = await catalog.search('brave search');
    expect(brave.entries.map((e) => e.name)).toEqual(['io.github.modelcontextprotocol/server-brave-search']);
    expect(brave.entries[0]).toMatchObject({
      version: '0.6.2',
      kinds: ['npm'],
      secrets: ['BRAVE_API_KEY'],
      from: local.url,
    });
    // The longest word goes to the registry (it searches names); every word is matched here.
    expect(local.requests.at(-1)).toMatch(/search=search.*version=latest|version=latest.*search=search/);
    const memory = await catalog.search('memory');
    expect(memory.entries.map((e) => [e.name, e.version])).toEqual([[MEMORY, '2026.8.31']]);
  });

  it('follows the cursors of a registry that pages small, up to the limit', async () => {
    const documents = await bundledDocuments();
    registry = await startLocalRegistry(documents, { maxPageSize: 7 });
    const catalog = new Catalog({ registries: [registry.url] });
    const result = await catalog.search('', { limit: 20 });
    expect(result.entries).toHaveLength(20);
    const names = result.entries.map((e) => e.name);
    expect(new Set(names).size).toBe(20);
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b)));
    expect(registry.requests).toHaveLength(3);
    expect(registry.requests[0]).not.toContain('cursor=');
    expect(registry.requests[1]).toContain(`cursor=${encodeURIComponent(`${names[6] ?? ''}:`)}`);
    const everything = await catalog.search('', { limit: 1000 });
    expect(everything.entries).toHaveLength(documents.length);
  });

  it('lists versions and resolves latest and exact versions', async () => {
    const local = await withRegistry();
    const catalog = new Catalog({ registries: [local.url] });
    const { versions } = await catalog.versions(MEMORY);
    expect(versions.map((v) => [v.version, v.isLatest])).toEqual([
      ['2026.8.31', true],
      ['2025.1.1', false],
    ]);
    expect((await catalog.resolve(MEMORY)).document.version).toBe('2026.8.31');
    expect((await catalog.resolve(MEMORY, '2025.1.1')).document.version).toBe('2025.1.1');
    await expect(catalog.resolve(MEMORY, '9.9.9')).rejects.toMatchObject({
      code: MCPErrorCode.CatalogNotFound,
    });
    await expect(catalog.resolve('io.example/none')).rejects.toThrow(/no server "io.example\/none"/);
  });

  it('leaves out documents that break the schema and says so; refuses to resolve one', async () => {
    const bad = { name: 'io.example/bad', description: 'x'.repeat(150), version: '1.0.0' };
    const local = await withRegistry([bad]);
    const catalog = new Catalog({ registries: [local.url] });
    const result = await catalog.search('bad');
    expect(result.entries).toEqual([]);
    expect(result.problems.join('\n')).toMatch(/1 document\(s\) .* do not follow the server.json schema/);
    await expect(catalog.resolve('io.example/bad')).rejects.toMatchObject({
      code: MCPErrorCode.CatalogInvalid,
    });
    await expect(catalog.resolve('io.example/bad')).rejects.toThrow(
      /description: must NOT have more than 100 characters/,
    );
  });

  it('answers from a fresh cache without asking, and from a stale one when the registry is gone', async () => {
    const local = await withRegistry();
    const first = await new Catalog({ registries: [local.url], cacheDir }).search('memory');
    expect(first.entries.map((e) => e.name)).toContain(MEMORY);
    const asked = local.requests.length;
    const cached = await new Catalog({ registries: [local.url], cacheDir }).search('memory');
    expect(local.requests.length).toBe(asked);
    expect(cached.answeredBy).toEqual([`${local.url} (cached)`]);
    await local.close();
    registry = undefined;
    const stale = await new Catalog({ registries: [local.url], cacheDir, ttlMs: 0 }).search('memory');
    expect(stale.entries.map((e) => e.name)).toContain(MEMORY);
    expect(stale.answeredBy[0]).toMatch(/\(cached .*; the registry did not answer\)$/);
  });

  it('falls back to the bundled catalog when no registry answers, saying which did not', async () => {
    const catalog = new Catalog({ registries: [NOWHERE], cacheDir, timeoutMs: 2000 });
    const result = await catalog.search('filesystem');
    expect(result.answeredBy).toEqual([BUNDLED]);
    expect(result.entries.map((e) => e.name)).toEqual(['io.github.modelcontextprotocol/server-filesystem']);
    expect(result.problems.join('\n')).toContain(`the registry ${NOWHERE} did not answer`);
    expect((await catalog.resolve(MEMORY)).from).toBe(BUNDLED);
  });
});

describe('catalog entries as the dashboard shows them', () => {
  it('links only to web addresses: a javascript: repository or website is dropped, an http icon too', () => {
    const document = validateServerJson(
      {
        name: 'io.github.evil/links',
        description: 'links',
        version: '1.0.0',
        repository: { url: 'javascript:alert(document.domain)', source: 'github' },
        websiteUrl: 'javascript:alert(1)',
        icons: [{ src: 'http://evil.example/icon.png' }],
        remotes: [{ type: 'streamable-http', url: 'https://links.example/mcp' }],
      },
      'links.json',
    );
    const entry = catalogEntryOf(document, 'test');
    expect(entry.repository).toBeUndefined();
    expect(entry.websiteUrl).toBeUndefined();
    expect(entry.icon).toBeUndefined();
    const fine = catalogEntryOf(
      {
        ...document,
        repository: { url: 'https://github.com/x/y', source: 'github' },
        icons: [{ src: 'https://x.example/i.png' }],
      },
      'test',
    );
    expect(fine).toMatchObject({ repository: 'https://github.com/x/y', icon: 'https://x.example/i.png' });
  });
});

describe('what a registry may send', () => {
  it('asks registries over https only (plain http on this machine alone), naming the field', async () => {
    expect(() => new RegistryClient('http://registry.example.com')).toThrow(/is not an https:\/\/ URL/);
    expect(() => new RegistryClient('http://127.0.0.1:8080')).not.toThrow();
    const { McpmanConfigSchema } = await import('@mcpman/core');
    const parsed = McpmanConfigSchema.safeParse({ version: 1, registries: ['http://mirror.example'] });
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues)).toContain('registries');
  });

  it('stops reading an answer larger than the cap instead of holding it', async () => {
    const huge = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(new Uint8Array(1024 * 1024).fill(0x20));
      },
    });
    const client = new RegistryClient('https://registry.example.com', {
      fetch: () => Promise.resolve(new Response(huge, { status: 200 })),
    });
    await expect(client.getJson(client.listUrl({}))).rejects.toThrow(/sent more than 8192 KiB/);
  });
});
