import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MCPErrorCode } from '@mcpman/protocol';
import { ConfigError, loadConfigFile, parseConfigText, resolveConfigPath } from './loader.js';
import { formatIssue } from './issues.js';

const fixtures = fileURLToPath(new URL('../../test-fixtures/', import.meta.url));
const examples = fileURLToPath(new URL('../../../../examples/', import.meta.url));

async function configError(promise: Promise<unknown>): Promise<ConfigError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

describe('loading config files', () => {
  it.each(['everything.yaml', 'multi.yaml'])('accepts examples/%s', async (name) => {
    const loaded = await loadConfigFile(join(examples, name));
    expect(Object.keys(loaded.config.servers).length).toBeGreaterThan(0);
    expect(loaded.dir).toBe(examples.replace(/\/$/, ''));
  });

  it('reports all five mistakes with path, line, column and value', async () => {
    const error = await configError(loadConfigFile(join(fixtures, 'five-mistakes.yaml')));
    expect(error.code).toBe(MCPErrorCode.ConfigInvalid);
    expect(error.issues.map((i) => [i.path, i.line, i.value])).toEqual([
      ['servers.everything.resourceLimits.memory', 7, '5 GB'],
      ['servers.everything.resourceLimits.cpus', 8, 0],
      ['servers.everything.securityPolicies.network', 10, 'internet'],
      ['servers.everything.health.interval', 12, 'soon'],
      ['servers.everything.restart.policy', 13, 'sometimes'],
    ]);
    for (const issue of error.issues) expect(issue.column).toBeGreaterThan(0);
    expect(error.message).toContain('has 5 problems');
    expect(formatIssue(error.issues[2]!, 'f.yaml')).toBe(
      'f.yaml:10:16 servers.everything.securityPolicies.network: expected one of "none", "isolated", "bridge" (got "internet")',
    );
  });

  it('reports malformed YAML with line and column', async () => {
    const error = await configError(loadConfigFile(join(fixtures, 'broken.yaml')));
    expect(error.code).toBe(MCPErrorCode.ConfigParse);
    expect(error.issues.length).toBeGreaterThan(0);
    expect(error.issues[0]!.line).toBeGreaterThanOrEqual(5);
    expect(error.issues[0]!.column).toBeGreaterThan(0);
    expect(error.issues[0]!.message).not.toMatch(/at line \d+/);
  });

  it('points an unknown key at the key, with a suggestion', () => {
    const text = 'version: 1\nservers:\n  a:\n    source: image:x\n    resourceLimit: {}\n';
    const error = (() => {
      try {
        parseConfigText(text, { path: 'm.yaml' });
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(error.issues).toEqual([
      expect.objectContaining({
        path: 'servers.a.resourceLimit',
        line: 5,
        column: 5,
        message: 'unknown field "resourceLimit"; did you mean "resourceLimits"?',
      }),
    ]);
  });

  it('lists allowed keys when no key is close', () => {
    expect(() =>
      parseConfigText('version: 1\nservers:\n  a:\n    source: image:x\n    zzzzzzzz: 1\n'),
    ).toThrow(/allowed: source, url, headers, enabled, args/);
  });

  it('points a missing required field at its parent', () => {
    try {
      parseConfigText('version: 1\nservers:\n  a:\n    args: []\n', { path: 'm.yaml' });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect((error as ConfigError).issues[0]).toMatchObject({
        path: 'servers.a.source',
        message: expect.stringMatching(/is required/) as unknown,
        line: 4,
      });
    }
  });

  it('reads JSON configs too', () => {
    const loaded = parseConfigText(JSON.stringify({ version: 1, servers: { m: { source: 'image:x' } } }));
    expect(loaded.config.servers['m']!.source).toEqual({ type: 'image', ref: 'x', pull: 'missing' });
  });

  it('treats an empty file as missing version', () => {
    expect(() => parseConfigText('')).toThrow(/version/);
  });

  it('says the file is missing, with a hint', async () => {
    await expect(loadConfigFile('/nonexistent/mcpman.yaml')).rejects.toMatchObject({
      code: MCPErrorCode.ConfigNotFound,
      hint: expect.stringContaining('-f') as unknown,
    });
  });
});

describe('finding the config file', () => {
  let dir: string;
  const saved = process.env['MCPMAN_CONFIG'];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mcpman-resolve-'));
    delete process.env['MCPMAN_CONFIG'];
  });
  afterEach(async () => {
    if (saved === undefined) delete process.env['MCPMAN_CONFIG'];
    else process.env['MCPMAN_CONFIG'] = saved;
    await rm(dir, { recursive: true, force: true });
  });

  it('prefers -f, then $MCPMAN_CONFIG, then mcpman.yaml/yml/json in cwd', async () => {
    expect(resolveConfigPath(undefined, dir)).toBe(join(dir, 'mcpman.yaml'));
    await writeFile(join(dir, 'mcpman.json'), '{}');
    expect(resolveConfigPath(undefined, dir)).toBe(join(dir, 'mcpman.json'));
    await writeFile(join(dir, 'mcpman.yml'), '');
    expect(resolveConfigPath(undefined, dir)).toBe(join(dir, 'mcpman.yml'));
    process.env['MCPMAN_CONFIG'] = 'other.yaml';
    expect(resolveConfigPath(undefined, dir)).toBe(join(dir, 'other.yaml'));
    expect(resolveConfigPath('/abs/x.yaml', dir)).toBe('/abs/x.yaml');
  });
});
