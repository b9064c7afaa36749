import { mkdtemp, readFile, readdir, rm, stat, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MCPErrorCode } from '@mcpman/protocol';
import { ConfigError } from './loader.js';
import { ConfigStore } from './store.js';

const COMMENTED = `# My servers. Keep this comment.
version: 1
servers:
  # the reference server
  everything:
    source: npx://@modelcontextprotocol/server-everything@2026.8.31 # pinned
    args: [stdio]
`;

describe('ConfigStore', () => {
  let dir: string;
  let path: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mcpman-store-'));
    path = join(dir, 'mcpman.yaml');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('adds a server and keeps comments and layout', async () => {
    await writeFile(path, COMMENTED);
    const store = new ConfigStore(path);
    const loaded = await store.setServer('memory', {
      source: 'npx://@modelcontextprotocol/server-memory@2026.8.31',
    });
    expect(Object.keys(loaded.config.servers)).toEqual(['everything', 'memory']);
    const text = await readFile(path, 'utf8');
    expect(text).toContain('# My servers. Keep this comment.');
    expect(text).toContain('# the reference server');
    expect(text).toContain('# pinned');
    expect(text).toContain('args: [ stdio ]');
    expect(text).toMatch(/memory:\n\s+source: npx:\/\/@modelcontextprotocol\/server-memory@2026.8.31/);
  });

  it('creates the file when it does not exist', async () => {
    const store = new ConfigStore(path);
    expect(store.exists()).toBe(false);
    await store.setServer('everything', { source: 'image:x' });
    const text = await readFile(path, 'utf8');
    expect(text).toMatch(/^# mcpman configuration/);
    expect((await store.load()).config.servers['everything']).toBeDefined();
  });

  it('refuses an edit that would make the file invalid and leaves it untouched', async () => {
    await writeFile(path, COMMENTED);
    const before = await readFile(path, 'utf8');
    const store = new ConfigStore(path);
    const error = await store
      .setServer('broken', { source: 'pip://x', resourceLimits: { memory: 'lots' } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((i) => i.path)).toEqual([
      'servers.broken.source',
      'servers.broken.resourceLimits.memory',
    ]);
    expect(await readFile(path, 'utf8')).toBe(before);
    expect(await readdir(dir)).toEqual(['mcpman.yaml']);
  });

  it('removes a server, and says so when there is none', async () => {
    await writeFile(path, COMMENTED);
    const store = new ConfigStore(path);
    const loaded = await store.removeServer('everything');
    expect(loaded.config.servers).toEqual({});
    await expect(store.removeServer('everything')).rejects.toMatchObject({
      code: MCPErrorCode.ServerNotFound,
    });
  });

  it('takes a removed server out of the profiles that named it, so the config stays valid', async () => {
    await writeFile(
      path,
      `${COMMENTED}  memory:\n    source: image:memory\nprofiles:\n  coding: # small\n    servers:\n      everything: { tools: { allow: [echo] } }\n      memory: {}\n`,
    );
    const store = new ConfigStore(path);
    const loaded = await store.removeServer('everything');
    expect(Object.keys(loaded.config.profiles['coding']?.servers ?? {})).toEqual(['memory']);
    expect(await readFile(path, 'utf8')).toContain('# small');
  });

  it('serialises concurrent edits so none is lost', async () => {
    await writeFile(path, COMMENTED);
    const store = new ConfigStore(path);
    await Promise.all(
      Array.from({ length: 8 }, (_, i) => store.setServer(`s${i}`, { source: `image:img${i}` })),
    );
    const loaded = await store.load();
    expect(Object.keys(loaded.config.servers).sort()).toEqual(
      ['everything', ...Array.from({ length: 8 }, (_, i) => `s${i}`)].sort(),
    );
    expect(await readdir(dir)).toEqual(['mcpman.yaml']);
  });

  it('keeps JSON files JSON and keeps the file mode', async () => {
    const jsonPath = join(dir, 'mcpman.json');
    await writeFile(jsonPath, JSON.stringify({ version: 1, servers: {} }));
    await chmod(jsonPath, 0o600);
    const store = new ConfigStore(jsonPath);
    await store.setServer('a', { source: 'image:x', args: ['--flag'] });
    const parsed = JSON.parse(await readFile(jsonPath, 'utf8')) as { servers: Record<string, unknown> };
    expect(parsed.servers['a']).toEqual({ source: 'image:x', args: ['--flag'] });
    expect((await stat(jsonPath)).mode & 0o777).toBe(0o600);
  });

  it('rejects a server name that could not be used', async () => {
    const store = new ConfigStore(path);
    await expect(store.setServer('Bad_Name', { source: 'image:x' })).rejects.toMatchObject({
      code: MCPErrorCode.ConfigInvalid,
    });
    expect(store.exists()).toBe(false);
  });
});
