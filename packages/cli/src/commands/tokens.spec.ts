import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileTokenStore } from '@mcpman/core';
import { captureCli } from '../testing/captured-cli.js';
import type { Captured } from '../testing/captured-cli.js';

describe('mcpman token', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mcpman-token-cli-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const cli = (...argv: string[]): Promise<Captured> =>
    captureCli(argv, { cwd: dir, env: { MCPMAN_STATE_DIR: join(dir, 'state') } });

  it('creates a token shown once on stdout, lists grants without it, and revokes it', async () => {
    const created = await cli('token', 'create', '--name', 'ci', '--servers', 'a, b', '--tools', 'a__echo');
    expect(created.code).toBe(0);
    const token = created.stdout.trim();
    expect(token).toMatch(/^mcpman_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).toContain('token "ci" created (servers: a, b; tools: a__echo)');
    expect(created.stderr).toContain('shown this once');
    const store = new FileTokenStore(join(dir, 'state', 'tokens.json'));
    expect((await store.verify(token))?.servers).toEqual(['a', 'b']);
    const stored = await readFile(store.path, 'utf8');
    expect(stored).not.toContain(token.slice(24));

    const ls = await cli('token', 'ls');
    expect(ls.stdout).toMatch(/NAME\s+ID\s+SERVERS\s+TOOLS\s+PROFILES\s+ADMIN\s+CREATED/);
    expect(ls.stdout).toMatch(/ci\s+[0-9a-f]{16}\s+a,b\s+a__echo\s+any\s+no/);
    expect(ls.stdout).not.toContain(token);
    const json = JSON.parse((await cli('token', 'ls', '--json')).stdout) as { tokens: { name: string }[] };
    expect(json.tokens.map((t) => t.name)).toEqual(['ci']);

    // Limited to profiles: said when created, stored, and listed.
    const editor = await cli('token', 'create', 'editor', '--profiles', 'coding,review');
    expect(editor.stderr).toContain('only profiles coding, review');
    expect((await store.verify(editor.stdout.trim()))?.profiles).toEqual(['coding', 'review']);
    expect((await cli('token', 'ls')).stdout).toMatch(
      /editor\s+[0-9a-f]{16}\s+all\s+all\s+coding,review\s+no/,
    );
    await cli('token', 'revoke', 'editor');

    expect((await cli('token', 'revoke', 'ci')).stdout).toBe('revoked token ci\n');
    expect(await store.verify(token)).toBeUndefined();
    const again = await cli('token', 'revoke', 'ci');
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('no token named "ci"');
  });

  it('refuses a duplicate name and an empty grant list, storing nothing', async () => {
    await cli('token', 'create', '--name', 'ci');
    const duplicate = await cli('token', 'create', '--name', 'ci');
    expect(duplicate.code).toBe(2);
    expect(duplicate.stderr).toContain('a token named "ci" already exists');
    const empty = await cli('token', 'create', '--name', 'x', '--servers', ',');
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('an empty list grants nothing');
    expect((await cli('token', 'ls', '--json')).stdout).not.toContain('"x"');
  });

  it('uses the token file the config names, relative to the config', async () => {
    await writeFile(
      join(dir, 'mcpman.yaml'),
      'version: 1\ngateway: { auth: { mode: token, tokensFile: shared/tokens.json } }\nservers: {}\n',
    );
    const created = await cli('token', 'create', '--name', 'shared', '--admin');
    expect(created.code).toBe(0);
    const store = new FileTokenStore(join(dir, 'shared', 'tokens.json'));
    expect((await store.verify(created.stdout.trim()))?.admin).toBe(true);
  });
  it('takes the name as an argument, as docs/usage.md shows, or as --name, and refuses none or two', async () => {
    const positional = await cli('token', 'create', 'laptop');
    expect(positional.code, positional.stderr).toBe(0);
    expect(positional.stderr).toContain('token "laptop" created');
    const flag = await cli('token', 'create', '--name', 'desk');
    expect(flag.code, flag.stderr).toBe(0);
    const none = await cli('token', 'create');
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('a token needs a name');
    const two = await cli('token', 'create', 'a', '--name', 'b');
    expect(two.code).toBe(2);
    expect(two.stderr).toContain('two names given');
    const json = JSON.parse((await cli('token', 'ls', '--json')).stdout) as { tokens: { name: string }[] };
    expect(json.tokens.map((t) => t.name).sort()).toEqual(['desk', 'laptop']);
  });
});
