import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { loadConfigFile, parseSourceString } from '@mcpman/core';
import { captureCli } from '../testing/captured-cli.js';
import { nameFromSource } from './servers.js';

function name(source: string): string {
  const parsed = parseSourceString(source);
  if (!parsed.ok) throw new Error(parsed.message);
  return nameFromSource(parsed.source);
}

describe('nameFromSource', () => {
  it.each([
    ['npx://@modelcontextprotocol/server-memory@2026.8.31', 'memory'],
    ['npx://@modelcontextprotocol/server-everything', 'everything'],
    ['npx://mcp-server-fetch@1.0.0', 'fetch'],
    ['npx://github-mcp-server', 'github'],
    ['image:docker.io/mcp/everything:latest', 'everything'],
    ['image:ghcr.io/org/My_Tool@sha256:abc', 'my-tool'],
    ['build:./servers/weather/', 'weather'],
  ])('%s -> %s', (source, expected) => {
    expect(name(source)).toBe(expected);
  });
});

describe('mcpman add <url>', () => {
  it('writes a url: server (legacy SSE with --sse) that validates, and refuses --arg for it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mcpman-add-url-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const env = { MCPMAN_STATE_DIR: join(dir, 'state') };
    const added = await captureCli(['add', 'https://mcp.example.com/mcp', '--name', 'docs'], {
      cwd: dir,
      env,
    });
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toContain('added docs (https://mcp.example.com/mcp)');
    const sse = await captureCli(['add', 'http://10.0.0.7:3001/sse', '--name', 'old', '--sse'], {
      cwd: dir,
      env,
    });
    expect(sse.code, sse.stderr).toBe(0);
    const { config } = await loadConfigFile(join(dir, 'mcpman.yaml'));
    expect(config.servers['docs']?.source).toEqual({
      type: 'remote',
      url: 'https://mcp.example.com/mcp',
      headers: {},
    });
    expect(config.servers['old']?.transport).toEqual({ type: 'sse' });
    const refused = await captureCli(['add', 'https://a.example/mcp', '--arg', 'x'], { cwd: dir, env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--arg is for servers mcpman runs, not for a URL');
  });
});
