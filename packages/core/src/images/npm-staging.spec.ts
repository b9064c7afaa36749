import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MCPErrorCode } from '@mcpman/protocol';
import { checkRegistryOnly } from './npm-staging.js';

const run = promisify(execFile);

describe('host npm installs registry packages only', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mcpman-npm-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a package whose dependency links a folder of this machine (file:)', async () => {
    // The attack: a package that asks npm to link the user's ~/.ssh into node_modules.
    const secrets = join(dir, 'secrets');
    await mkdir(secrets);
    await writeFile(join(secrets, 'package.json'), JSON.stringify({ name: 'leak', version: '1.0.0' }));
    const evil = join(dir, 'evil');
    await mkdir(evil);
    await writeFile(
      join(evil, 'package.json'),
      JSON.stringify({ name: 'evil', version: '1.0.0', dependencies: { leak: `file:${secrets}` } }),
    );
    await run('npm', ['pack', '-q', '--pack-destination', dir], { cwd: evil });
    const stage = join(dir, 'stage');
    await mkdir(stage);
    await writeFile(
      join(stage, 'package.json'),
      JSON.stringify({
        name: 's',
        private: true,
        dependencies: { evil: `file:${join(dir, 'evil-1.0.0.tgz')}` },
      }),
    );
    await run('npm', ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund'], {
      cwd: stage,
    });
    const lock: unknown = JSON.parse(await readFile(join(stage, 'package-lock.json'), 'utf8'));
    let error: unknown;
    try {
      checkRegistryOnly(lock, 'evil');
    } catch (caught) {
      error = caught;
    }
    expect((error as { code?: unknown }).code).toBe(MCPErrorCode.PackageInstallFailed);
    expect(String(error)).toMatch(/leak \((a link|file:)/);
  });

  it('takes a tree of registry tarballs, and refuses git sources', () => {
    const tarball = (name: string): { resolved: string } => ({
      resolved: `https://registry.npmjs.org/${name}/-/${name}-1.0.0.tgz`,
    });
    expect(() => {
      checkRegistryOnly(
        {
          packages: { '': {}, 'node_modules/a': tarball('a'), 'node_modules/a/node_modules/b': tarball('b') },
        },
        'a',
      );
    }).not.toThrow();
    expect(() => {
      checkRegistryOnly(
        {
          packages: {
            '': {},
            'node_modules/a': tarball('a'),
            'node_modules/g': { resolved: 'git+ssh://git@github.com/x/g.git#0123456789abcdef' },
          },
        },
        'a',
      );
    }).toThrow(/g \(git\+ssh:/);
  });
});
