import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileTokenStore } from './token-store.js';

describe('TokenStore', () => {
  let dir: string;
  let store: FileTokenStore;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mcpman-tokens-'));
    store = new FileTokenStore(join(dir, 'state', 'tokens.json'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates a token that verifies, and stores only a salted hash in a 0600 file', async () => {
    const { token, info } = await store.create({ name: 'ci', servers: ['a'], tools: ['a__echo'] });
    expect(token).toMatch(/^mcpman_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(info).toMatchObject({ name: 'ci', servers: ['a'], tools: ['a__echo'], admin: false });
    expect(await store.verify(token)).toEqual(info);
    const text = await readFile(store.path, 'utf8');
    // The secret half (which may itself contain '_'): everything after mcpman_<id>_.
    expect(text).not.toContain(token.slice('mcpman_'.length + 17));
    expect(text).toMatch(/"hash": "[0-9a-f]{64}"/);
    expect((await stat(store.path)).mode & 0o777).toBe(0o600);
  });

  it('refuses a wrong secret, a malformed token and a revoked one', async () => {
    const { token } = await store.create({ name: 'a' });
    const tampered = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    expect(await store.verify(tampered)).toBeUndefined();
    expect(await store.verify('Bearer nonsense')).toBeUndefined();
    expect(await store.verify('')).toBeUndefined();
    expect(await store.revoke('a')).toBe(true);
    expect(await store.verify(token)).toBeUndefined();
    expect(await store.revoke('a')).toBe(false);
  });

  it('sees a revoke made through another store on the same file', async () => {
    const { token, info } = await store.create({ name: 'shared', admin: true });
    const other = new FileTokenStore(store.path);
    expect(await other.verify(token)).toEqual(info);
    await store.revoke(info.id);
    expect(await other.verify(token)).toBeUndefined();
  });

  it('refuses duplicate and invalid names, and lists without secrets', async () => {
    await store.create({ name: 'one' });
    await expect(store.create({ name: 'one' })).rejects.toThrow('a token named "one" already exists');
    await expect(store.create({ name: 'bad name' })).rejects.toThrow('is not a valid token name');
    const listed = await store.list();
    expect(listed.map((t) => t.name)).toEqual(['one']);
    expect(JSON.stringify(listed)).not.toMatch(/salt|hash/);
  });

  it('names the file when it is not a token file', async () => {
    await store.create({ name: 'x' });
    const { writeFile } = await import('node:fs/promises');
    await writeFile(store.path, '{"version": 2}');
    await expect(store.list()).rejects.toThrow(`${store.path} is not a token file`);
  });
});
