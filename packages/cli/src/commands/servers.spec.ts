import { describe, expect, it } from 'vitest';
import { parseSourceString } from '@mcpman/core';
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
