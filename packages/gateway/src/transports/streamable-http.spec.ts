import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayConfigSchema } from '@mcpman/core';
import { toDisposable } from '@mcpman/protocol';
import { GatewayServer } from '../gateway-server.js';
import type { ServerDirectory } from '../pipeline/directory.js';

const EMPTY: ServerDirectory = {
  names: () => [],
  get: () => undefined,
  onStateChange: () => toDisposable(() => undefined),
};

const INIT = {
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'caps', version: '1' } },
};

/** Read an SSE response until its first event with data, or its first event at all. */
async function firstEvents(response: Response, wantData: boolean): Promise<string> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    const events = text.split('\n\n').slice(0, -1);
    if (events.some((e) => !wantData || e.includes('data: {'))) break;
  }
  await reader.cancel();
  return text;
}

describe('what one Streamable HTTP client may hold', () => {
  let dir: string;
  let server: GatewayServer;
  let base: URL;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mcpman-caps-'));
    server = new GatewayServer({
      config: GatewayConfigSchema.parse({
        listen: '127.0.0.1:0',
        grpc: { enabled: false },
        audit: { enabled: false },
        sessionLimits: { perIdentity: 2, streamsPerSession: 3 },
      }),
      directory: EMPTY,
      serverInfo: { name: 'mcpman', version: 'test' },
      stateDir: dir,
    });
    base = new URL('/mcp', await server.start());
  });

  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  const open = (): Promise<Response> =>
    fetch(base, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(INIT),
    });

  it('refuses a session past the per-identity cap with 429, and takes one again once one ends', async () => {
    const first = await open();
    const second = await open();
    expect([first.status, second.status]).toEqual([200, 200]);
    const third = await open();
    expect(third.status).toBe(429);
    expect(await third.json()).toMatchObject({ error: { data: { code: 'LIMIT_EXCEEDED' } } });
    const ended = await fetch(base, {
      method: 'DELETE',
      headers: { 'mcp-session-id': first.headers.get('mcp-session-id') ?? '' },
    });
    expect(ended.status).toBe(200);
    const again = await open();
    expect(again.status).toBe(200);
    for (const response of [second, again])
      await fetch(base, {
        method: 'DELETE',
        headers: { 'mcp-session-id': response.headers.get('mcp-session-id') ?? '' },
      });
  });

  it('drops finished response streams past the cap: the latest resume, the oldest are gone', async () => {
    const init = await open();
    const session = init.headers.get('mcp-session-id') ?? '';
    const ids: string[] = [];
    for (let id = 1; id <= 10; id++) {
      const response = await fetch(base, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'text/event-stream',
          'mcp-session-id': session,
          'mcp-protocol-version': '2025-11-25',
        },
        body: JSON.stringify({ jsonrpc: '2.0', id, method: 'ping' }),
      });
      expect(response.status, `ping ${id}`).toBe(200);
      const text = await response.text();
      ids.push(/^id: (\S+)\.1$/m.exec(text)?.[1] ?? '');
    }
    const resume = (stream: string): Promise<Response> =>
      fetch(base, {
        headers: {
          accept: 'text/event-stream',
          'mcp-session-id': session,
          'last-event-id': `${stream}.1`,
        },
      });
    // The latest stream is still kept: its answer is replayed.
    expect(await firstEvents(await resume(ids[9] ?? ''), true)).toContain('"id":10');
    // The first was dropped to make room: resuming it opens the session's own stream instead.
    const gone = await firstEvents(await resume(ids[0] ?? ''), false);
    expect(gone).not.toContain('"id":1,');
    expect(gone).not.toContain(ids[0]);
  });
});
