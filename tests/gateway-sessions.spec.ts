import { readdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { WebSocketClientTransport } from '@modelcontextprotocol/sdk/client/websocket.js';
import { WebSocket } from 'ws';
import type { SessionPool } from '@mcpman/core';
import { nodeBaseImage, podman, sessionContainers } from './helpers/podman.js';
import { RuntimeHarness, resultText } from './helpers/runtime.js';
import { MEMORY } from './helpers/workspace.js';
import { initializeRequest } from './helpers/mcp-wire.js';

(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

const TINY = new URL('./fixtures/tiny-server', import.meta.url).pathname;

/**
 * `sessionMode: per-client`: every client session gets an upstream of its own, for stdio
 * servers a container from a warm pool, removed when the session ends or idles out.
 */
describe('per-client sessions', () => {
  let h: RuntimeHarness;
  let base: URL;

  const pool = (server: string): SessionPool => {
    const sessions = h.runtime!.get(server)!.sessions;
    if (sessions === undefined) throw new Error(`${server} has no session pool`);
    return sessions;
  };

  const client = async (path: string): Promise<{ client: Client; end: () => Promise<void> }> => {
    const transport = new StreamableHTTPClientTransport(new URL(path, base));
    const made = new Client({ name: 'per-client', version: '1' });
    await made.connect(transport);
    return {
      client: made,
      end: async () => {
        await transport.terminateSession();
        await made.close();
      },
    };
  };

  const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

  /** A raw Streamable HTTP session on the tiny server (initialize only, no GET stream). */
  const openSession = async (): Promise<string> => {
    const init = await fetch(new URL('/servers/tiny/mcp', base), {
      method: 'POST',
      headers,
      body: JSON.stringify(initializeRequest('raw')),
    });
    await init.text();
    return init.headers.get('mcp-session-id')!;
  };

  const callWhoami = async (session: string): Promise<string> => {
    const call = await fetch(new URL('/servers/tiny/mcp', base), {
      method: 'POST',
      headers: { ...headers, 'mcp-session-id': session },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/call',
        params: { name: 'whoami', arguments: {} },
      }),
    });
    return call.text();
  };

  beforeAll(async () => {
    h = await RuntimeHarness.create();
    const tiny = `{ build: ${TINY}, buildArgs: { BASE: ${await nodeBaseImage()} } }`;
    base = await h.startGateway(
      `  tiny:
    source: ${tiny}
    sessionMode: per-client
    sessionPool: { warm: 4, max: 64 }
  shared:
    source: ${tiny}
  memory:
    source: ${MEMORY}
    sessionMode: per-client
    env: { MEMORY_FILE_PATH: /tmp/memory.jsonl }
`,
      '{ sessionIdleTimeout: 2s }',
    );
    expect(h.runtime!.status().map((s) => [s.name, s.state])).toEqual([
      ['tiny', 'ready'],
      ['shared', 'ready'],
      ['memory', 'ready'],
    ]);
  });

  afterAll(async () => {
    await h.dispose();
  });

  it('gives each client session a container of its own, and removes it when the session ends', async () => {
    await expect.poll(() => pool('tiny').stats.warm, { timeout: 30_000 }).toBe(4);
    const a = await client('/servers/tiny/mcp');
    const b = await client('/servers/tiny/mcp');
    await a.client.callTool({ name: 'remember', arguments: { value: 'for a only' } });
    const seenByA = resultText(await a.client.callTool({ name: 'whoami', arguments: {} }));
    const seenByB = resultText(await b.client.callTool({ name: 'whoami', arguments: {} }));
    expect(seenByA).toMatch(/ remembers "for a only"$/);
    expect(seenByB).toMatch(/ remembers null$/);
    expect(seenByA.split(' ')[0]).not.toBe(seenByB.split(' ')[0]);
    expect(pool('tiny').stats.leased).toBe(2);
    // The pool is topped up again behind the leases.
    await expect.poll(() => pool('tiny').stats.warm, { timeout: 30_000 }).toBe(4);
    expect(await sessionContainers('tiny')).toHaveLength(6);

    await a.end();
    await b.end();
    await expect.poll(() => sessionContainers('tiny'), { timeout: 15_000 }).toHaveLength(4);
    expect(pool('tiny').stats.leased).toBe(0);

    // The same two clients on a shared server meet in one process.
    const c = await client('/servers/shared/mcp');
    const d = await client('/servers/shared/mcp');
    await c.client.callTool({ name: 'remember', arguments: { value: 'shared' } });
    expect(resultText(await d.client.callTool({ name: 'whoami', arguments: {} }))).toMatch(
      / remembers "shared"$/,
    );
    expect(await sessionContainers('shared')).toEqual([]);
    await c.end();
    await d.end();
  });

  it('keeps the state of a real server (server-memory) apart between clients', async () => {
    const a = await client('/servers/memory/mcp');
    const b = await client('/servers/memory/mcp');
    await a.client.callTool({
      name: 'create_entities',
      arguments: { entities: [{ name: 'Ada', entityType: 'person', observations: ['wrote notes'] }] },
    });
    expect(resultText(await a.client.callTool({ name: 'read_graph', arguments: {} }))).toContain('Ada');
    expect(resultText(await b.client.callTool({ name: 'read_graph', arguments: {} }))).not.toContain('Ada');
    // Each session container has FIFOs of its own (server-memory is an npx image: stdio over pipes).
    const fifoDirs = async (): Promise<string[]> =>
      (await readdir(h.stdioDir)).filter((name) => name.startsWith('mcpman-test-memory-s-')).sort();
    const containerNames = async (): Promise<string[]> =>
      (await sessionContainers('memory')).map((id) => `mcpman-test-memory-s-${id}`).sort();
    // While the pool tops itself up, a directory is made just before its container.
    await expect.poll(() => pool('memory').stats.starting, { timeout: 30_000 }).toBe(0);
    expect(await fifoDirs()).toEqual(await containerNames());
    expect(await fifoDirs()).toHaveLength(pool('memory').stats.warm + 2);
    await a.end();
    await b.end();
    await expect.poll(() => pool('memory').stats.leased, { timeout: 15_000 }).toBe(0);
    // The ended sessions' FIFOs go with their containers; the warm ones' stay (the pool's count
    // is read on every poll: it may be topping itself up meanwhile).
    await expect
      .poll(
        async () => {
          const { warm, starting } = pool('memory').stats;
          return starting === 0 && (await fifoDirs()).length === warm;
        },
        { timeout: 15_000 },
      )
      .toBe(true);
    expect(await fifoDirs()).toEqual(await containerNames());
  });

  it('ends the upstream with the client: WebSocket close, idle timeout, stateless requests', async () => {
    const ws = new Client({ name: 'ws', version: '1' });
    await ws.connect(new WebSocketClientTransport(new URL(`ws://${base.host}/servers/tiny/ws`)));
    await ws.callTool({ name: 'whoami', arguments: {} });
    expect(pool('tiny').stats.leased).toBe(1);
    await ws.close();
    await expect.poll(() => pool('tiny').stats.leased, { timeout: 15_000 }).toBe(0);

    // A Streamable HTTP session that is never deleted, with no stream open, idles out
    // (sessionIdleTimeout: 2s).
    const id = await openSession();
    await callWhoami(id);
    expect(pool('tiny').stats.leased).toBe(1);
    await expect.poll(() => pool('tiny').stats.leased, { timeout: 15_000 }).toBe(0);

    // A 2026-07-28 request is its own session: its upstream lives as long as the request.
    const reply = await fetch(new URL('/servers/tiny/mcp', base), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': 'tools/call',
        'mcp-name': 'whoami',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: {
          name: 'whoami',
          arguments: {},
          _meta: {
            'io.modelcontextprotocol/protocolVersion': '2026-07-28',
            'io.modelcontextprotocol/clientCapabilities': {},
          },
        },
      }),
    });
    expect(JSON.stringify(await reply.json())).toMatch(/remembers null/);
    await expect.poll(() => pool('tiny').stats.leased, { timeout: 15_000 }).toBe(0);
  });

  it('leaves no container behind after 1,000 sessions are opened, used and closed', async () => {
    const session = async (): Promise<string> => {
      const id = await openSession();
      const answer = await callWhoami(id);
      await fetch(new URL('/servers/tiny/mcp', base), {
        method: 'DELETE',
        headers: { 'mcp-session-id': id },
      });
      return answer;
    };
    const started = Date.now();
    const hosts = new Set<string>();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < 1000) {
        next += 1;
        const answer = await session();
        const host = /"text":"(\S+) remembers null"/.exec(answer)?.[1];
        expect(host, answer).toBeDefined();
        hosts.add(host!);
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    // A container each: no two sessions met in one.
    expect(hosts.size).toBe(1000);
    process.stdout.write(
      `per-client: 1000 sessions, each in its own container, in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
    );
    await expect.poll(() => pool('tiny').stats.leased, { timeout: 30_000 }).toBe(0);
    // What remains is the warm pool, nothing else; stopping the server removes that too. The
    // pool may still be topping itself up: wait until it is full, then count the containers.
    try {
      await expect
        .poll(() => pool('tiny').stats, { timeout: 60_000 })
        .toEqual({ warm: 4, leased: 0, starting: 0 });
      await expect.poll(() => sessionContainers('tiny'), { timeout: 60_000 }).toHaveLength(4);
    } catch (error) {
      // Say what is left, and in what state, so a failure can be told from a slow engine.
      const left = await podman(
        'ps',
        '-a',
        '--filter',
        'label=io.mcpman.role=session',
        '--format',
        '{{.Names}} {{.State}} {{.Status}}',
      );
      throw new Error(
        `${(error as Error).message}\npool: ${JSON.stringify(pool('tiny').stats)}\nleft:\n${left}`,
        { cause: error },
      );
    }
    await h.runtime!.get('tiny')!.stop({ remove: true });
    expect(await sessionContainers('tiny')).toEqual([]);
    // A thousand containers made and removed: minutes on a loaded two-core machine.
  }, 600_000);
});
