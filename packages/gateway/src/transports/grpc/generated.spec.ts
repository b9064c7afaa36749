import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { mcpProto } from './proto.js';

const PACKAGE = fileURLToPath(new URL('../../../', import.meta.url));
const GENERATED = join(PACKAGE, 'src/transports/grpc/generated');

async function files(dir: string): Promise<Map<string, string>> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const out = new Map<string, string>();
  for (const entry of entries.filter((e) => e.isFile())) {
    const path = join(entry.parentPath, entry.name);
    out.set(relative(dir, path), await readFile(path, 'utf8'));
  }
  return out;
}

describe('the gRPC proto', () => {
  it('matches the committed generated types (run `npm run proto -w @mcpman/gateway` after editing it)', async () => {
    const out = await mkdtemp(join(tmpdir(), 'mcpman-proto-'));
    try {
      await promisify(execFile)(process.execPath, [join(PACKAGE, 'scripts/gen-proto.mjs'), out], {
        cwd: PACKAGE,
      });
      expect(await files(out)).toEqual(await files(GENERATED));
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it('loads with a service method per MCP request kind (Listen for subscriptions/listen) plus the Session stream', () => {
    const service = mcpProto().mcpman.mcp.v1.Mcp.service;
    expect(Object.keys(service).sort()).toEqual([
      'CallTool',
      'Complete',
      'Discover',
      'GetPrompt',
      'ListPrompts',
      'ListResourceTemplates',
      'ListResources',
      'ListTools',
      'Listen',
      'ReadResource',
      'Session',
      'SetLoggingLevel',
      'Subscribe',
      'Unsubscribe',
    ]);
    expect(service.Session.requestStream && service.Session.responseStream).toBe(true);
    expect(service.CallTool.responseStream).toBe(true);
  });
});
