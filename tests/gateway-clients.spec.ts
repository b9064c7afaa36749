import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { WebSocketClientTransport } from '@modelcontextprotocol/sdk/client/websocket.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
  LoggingMessageNotificationSchema,
  ResourceUpdatedNotificationSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import {
  Client as ClientV2,
  StreamableHTTPClientTransport as StreamableV2,
} from '@modelcontextprotocol/client';
import { WebSocket } from 'ws';
import { RuntimeHarness, resultText } from './helpers/runtime.js';
import { EVERYTHING } from './helpers/workspace.js';
import { initializeRequest } from './helpers/mcp-wire.js';

// The SDK v1 WebSocket client uses the global WebSocket, which Node 20 does not have.
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

type Kind = 'streamable-http' | 'sse' | 'websocket';

/**
 * Real MCP clients (the official SDK, v1 and v2) through the gateway to server-everything in
 * Podman, over each client transport, on the one-server endpoint and the aggregate one.
 */
describe('the gateway with real clients', () => {
  let h: RuntimeHarness;
  let base: URL;
  const clients: { close(): Promise<void> }[] = [];

  const transport = (kind: Kind, path: string): Transport => {
    switch (kind) {
      case 'streamable-http':
        return new StreamableHTTPClientTransport(new URL(`${path}/mcp`, base));
      case 'sse':
        // eslint-disable-next-line @typescript-eslint/no-deprecated
        return new SSEClientTransport(new URL(`${path}/sse`, base));
      case 'websocket':
        return new WebSocketClientTransport(new URL(`ws://${base.host}${path}/ws`));
    }
  };

  const connect = async (
    kind: Kind,
    path: string,
    capabilities: Record<string, object> = {},
  ): Promise<Client> => {
    const client = new Client({ name: 'gateway-test', version: '1' }, { capabilities });
    await client.connect(transport(kind, path));
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    h = await RuntimeHarness.create();
    base = await h.startGateway(
      `  everything:\n    source: ${EVERYTHING}\n  second:\n    source: ${EVERYTHING}\n    tools: { deny: ['get-*'] }\n`,
    );
  });

  afterAll(async () => {
    for (const client of clients) await client.close().catch(() => undefined);
    await h.dispose();
  });

  for (const kind of ['streamable-http', 'sse', 'websocket'] as const) {
    describe(kind, () => {
      it('lists and calls tools on one server, with progress while the call runs', async () => {
        const client = await connect(kind, '/servers/everything');
        expect(client.getServerVersion()).toMatchObject({ name: 'mcp-servers/everything', version: '2.0.0' });
        const tools = await client.listTools();
        expect(tools.tools.map((t) => t.name)).toContain('echo');
        expect(
          resultText(await client.callTool({ name: 'echo', arguments: { message: `via ${kind}` } })),
        ).toBe(`Echo: via ${kind}`);
        const progress: number[] = [];
        const long = await client.callTool(
          { name: 'trigger-long-running-operation', arguments: { duration: 1, steps: 4 } },
          undefined,
          { onprogress: (p) => progress.push(p.progress) },
        );
        if (kind === 'websocket') {
          // SDK v1 runs notification handlers a microtask late but settles responses at once:
          // when the last progress and the result arrive in one read, the client itself drops
          // that progress. The raw-frame test below checks what the gateway sends.
          expect(progress.length).toBeGreaterThanOrEqual(3);
          expect(progress).toEqual([1, 2, 3, 4].slice(0, progress.length));
        } else {
          expect(progress).toEqual([1, 2, 3, 4]);
        }
        expect(resultText(long)).toContain('Long running operation completed');
      });

      it('merges every server on the aggregate endpoint, prefixed and filtered', async () => {
        const client = await connect(kind, '');
        const names = (await client.listTools()).tools.map((t) => t.name);
        expect(names).toContain('everything__echo');
        expect(names).toContain('second__echo');
        expect(names).toContain('everything__get-sum');
        expect(names).not.toContain('second__get-sum');
        expect(
          resultText(await client.callTool({ name: 'second__echo', arguments: { message: 'two' } })),
        ).toBe('Echo: two');
        const denied = await client
          .callTool({ name: 'second__get-sum', arguments: { a: 1, b: 2 } })
          .catch((e: unknown) => e);
        expect(String(denied)).toMatch(/not exposed/);
        const resources = (await client.listResources()).resources;
        const doc = resources.find((r) =>
          r.uri.startsWith('mcpman://everything/demo://resource/static/document/'),
        );
        expect(doc).toBeDefined();
        const read = await client.readResource({ uri: doc!.uri });
        expect(read.contents[0]?.uri).toBe(doc!.uri);
        const prompt = await client.getPrompt({
          name: 'everything__args-prompt',
          arguments: { city: 'Berlin', state: 'BE' },
        });
        expect(JSON.stringify(prompt.messages)).toContain('Berlin');
      });
    });
  }

  it('sends every progress notification before the result on the WebSocket wire', async () => {
    const ws = new WebSocket(`ws://${base.host}/servers/everything/ws`, 'mcp');
    const frames: { id?: unknown; method?: string; params?: { progress?: number } }[] = [];
    ws.on('message', (data: Buffer) =>
      frames.push(JSON.parse(data.toString('utf8')) as (typeof frames)[number]),
    );
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send(JSON.stringify(initializeRequest('raw')));
    ws.send(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
    ws.send(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/call',
        params: {
          name: 'trigger-long-running-operation',
          arguments: { duration: 1, steps: 4 },
          _meta: { progressToken: 'p' },
        },
      }),
    );
    await expect.poll(() => frames.some((f) => f.id === 2), { timeout: 10_000 }).toBe(true);
    ws.close();
    const sequence = frames
      .filter((f) => f.id !== 1)
      .map((f) =>
        f.method === 'notifications/progress'
          ? `progress ${f.params?.progress ?? '?'}`
          : `result ${String(f.id)}`,
      );
    expect(sequence).toEqual(['progress 1', 'progress 2', 'progress 3', 'progress 4', 'result 2']);
  });

  it('routes sampling, elicitation and roots requests to the client whose call caused them', async () => {
    const client = await connect('streamable-http', '/servers/everything', {
      sampling: {},
      elicitation: {},
      roots: {},
    });
    client.setRequestHandler(CreateMessageRequestSchema, () =>
      Promise.resolve({
        model: 'test-model',
        role: 'assistant' as const,
        content: { type: 'text' as const, text: 'sampled by the client' },
      }),
    );
    client.setRequestHandler(ElicitRequestSchema, () =>
      Promise.resolve({ action: 'accept' as const, content: { name: 'Ada' } }),
    );
    client.setRequestHandler(ListRootsRequestSchema, () =>
      Promise.resolve({ roots: [{ uri: 'file:///work', name: 'work' }] }),
    );
    const tools = (await client.listTools()).tools.map((t) => t.name);
    expect(tools).toContain('trigger-sampling-request');
    const sampled = await client.callTool({
      name: 'trigger-sampling-request',
      arguments: { prompt: 'hello', maxTokens: 10 },
    });
    expect(resultText(sampled)).toContain('sampled by the client');
    const roots = await client.callTool({ name: 'get-roots-list', arguments: {} });
    expect(resultText(roots)).toContain('file:///work');
  });

  it('fans out list_changed, resource updates and log messages to the clients that asked', async () => {
    const client = await connect('websocket', '/servers/everything');
    const other = await connect('websocket', '/servers/everything');
    const logs: string[] = [];
    const otherLogs: string[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      logs.push(n.params.level);
    });
    other.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      otherLogs.push(n.params.level);
    });
    await client.setLoggingLevel('debug');
    await client.callTool({ name: 'toggle-simulated-logging', arguments: {} });
    await expect.poll(() => logs.length, { timeout: 15_000 }).toBeGreaterThan(0);
    expect(otherLogs).toEqual([]);
    await client.callTool({ name: 'toggle-simulated-logging', arguments: {} });

    const updates: string[] = [];
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
      updates.push(n.params.uri);
    });
    const uri = 'demo://resource/dynamic/text/1';
    await client.subscribeResource({ uri });
    await other.subscribeResource({ uri });
    await client.callTool({ name: 'toggle-subscriber-updates', arguments: {} });
    await expect.poll(() => updates, { timeout: 15_000 }).toContain(uri);
    await client.callTool({ name: 'toggle-subscriber-updates', arguments: {} });
    await client.unsubscribeResource({ uri });

    const changed: number[] = [];
    other.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      changed.push(Date.now());
    });
    await h.runtime!.get('everything')!.restart('test: list_changed on restart');
    await expect.poll(() => changed.length, { timeout: 30_000 }).toBeGreaterThan(0);
    await expect.poll(() => h.runtime!.get('everything')!.state, { timeout: 30_000 }).toBe('ready');
  });

  it('serves a desktop-style client that spawns `mcpman connect`', async () => {
    const bin = new URL('../packages/cli/bin/mcpman.js', import.meta.url).pathname;
    for (const [args, tool] of [
      [['connect', 'everything'], 'echo'],
      [['connect'], 'everything__echo'],
    ] as const) {
      const client = new Client({ name: 'desktop', version: '1' });
      await client.connect(
        new StdioClientTransport({
          command: process.execPath,
          args: [bin, ...args, '--url', base.toString()],
          stderr: 'pipe',
        }),
      );
      clients.push(client);
      expect((await client.listTools()).tools.map((t) => t.name)).toContain(tool);
      expect(
        resultText(await client.callTool({ name: tool, arguments: { message: 'from a desktop' } })),
      ).toBe('Echo: from a desktop');
      await client.close();
    }
    const refused = new Client({ name: 'desktop', version: '1' });
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [bin, 'connect', 'nope', '--url', base.toString()],
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // The client gets the gateway's own answer (as over HTTP), not a closed pipe.
    await expect(refused.connect(transport)).rejects.toThrow('no server named "nope"');
    await expect.poll(() => stderr).toContain('refused the connection (HTTP 404): no server named "nope"');
    await refused.close();
  });

  it('serves the SDK v2 client in auto mode over Streamable HTTP, on the 2026-07-28 wire', async () => {
    const client = new ClientV2({ name: 'v2-auto', version: '1' }, { versionNegotiation: { mode: 'auto' } });
    await client.connect(new StreamableV2(new URL('/servers/everything/mcp', base)));
    clients.push(client);
    expect(client.getProtocolEra()).toBe('modern');
    const tools = await client.listTools();
    expect(tools.tools.map((t) => t.name)).toContain('echo');
    const result = await client.callTool({ name: 'echo', arguments: { message: 'modern' } });
    expect(resultText(result as Record<string, unknown>)).toBe('Echo: modern');
    const aggregate = new ClientV2(
      { name: 'v2-auto', version: '1' },
      { versionNegotiation: { mode: 'auto' } },
    );
    await aggregate.connect(new StreamableV2(new URL('/mcp', base)));
    clients.push(aggregate);
    expect((await aggregate.listTools()).tools.map((t) => t.name)).toContain('second__echo');
  });

  it('fails calls in flight fast when the server dies, and serves again once it is back', async () => {
    const second = h.runtime!.get('second')!;
    await expect.poll(() => second.state, { timeout: 30_000 }).toBe('ready');
    const restartsBefore = second.status().restarts;
    const client = await connect('streamable-http', '/servers/second');
    const progress: number[] = [];
    // The handler is attached at once: the call is meant to fail.
    const inflight = client
      .callTool(
        { name: 'trigger-long-running-operation', arguments: { duration: 20, steps: 20 } },
        undefined,
        { onprogress: (p) => progress.push(p.progress) },
      )
      .catch((e: unknown) => e);
    // The first progress notification proves the call is running upstream.
    await expect.poll(() => progress.length, { timeout: 5_000 }).toBeGreaterThan(0);
    const killed = Date.now();
    const { podman } = await import('./helpers/podman.js');
    await podman('kill', 'mcpman-test-second');
    const error = await inflight;
    expect(Date.now() - killed).toBeLessThan(1_000);
    expect(String(error)).toMatch(/went away|not ready|closed/i);
    // Ready again after a restart (not the state from before the kill was noticed).
    await expect
      .poll(() => second.status().restarts > restartsBefore && second.state === 'ready', { timeout: 30_000 })
      .toBe(true);
    expect(resultText(await client.callTool({ name: 'echo', arguments: { message: 'back' } }))).toBe(
      'Echo: back',
    );
  });
});

describe('aggregate pagination', () => {
  let h: RuntimeHarness;
  let base: URL;

  beforeAll(async () => {
    h = await RuntimeHarness.create();
    base = await h.startGateway(
      `  everything:\n    source: ${EVERYTHING}\n  second:\n    source: ${EVERYTHING}\n`,
      '{ pageSize: 5 }',
    );
  });

  afterAll(async () => {
    await h.dispose();
  });

  it('pages merged lists across servers with its own cursor, and rejects a forged one', async () => {
    const client = new Client({ name: 'pager', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', base)));
    const names: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await client.listTools(cursor === undefined ? {} : { cursor });
      expect(page.tools.length).toBeLessThanOrEqual(5);
      names.push(...page.tools.map((t) => t.name));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor !== undefined);
    const everything = names.filter((n) => n.startsWith('everything__'));
    const second = names.filter((n) => n.startsWith('second__'));
    expect(everything.length).toBeGreaterThan(5);
    expect(second.length).toBe(everything.length);
    expect(pages).toBe(Math.ceil(names.length / 5));
    expect(new Set(names).size).toBe(names.length);
    await expect(client.listTools({ cursor: 'not-a-cursor' })).rejects.toThrow(/invalid cursor/);
    await client.close();
  });

  it('drops a server that is down out of the merged lists, with list_changed, and takes it back', async () => {
    const client = new Client({ name: 'watcher', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', base)));
    const changes: number[] = [];
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      changes.push(Date.now());
    });
    const all = async (): Promise<string[]> => {
      const names: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await client.listTools(cursor === undefined ? {} : { cursor });
        names.push(...page.tools.map((t) => t.name));
        cursor = page.nextCursor;
      } while (cursor !== undefined);
      return names;
    };
    expect((await all()).some((n) => n.startsWith('second__'))).toBe(true);
    const second = h.runtime!.get('second')!;
    await second.stop({ remove: false, reason: 'test: down' });
    await expect.poll(() => changes.length, { timeout: 10_000 }).toBeGreaterThan(0);
    const without = await all();
    expect(without.some((n) => n.startsWith('second__'))).toBe(false);
    expect(without).toContain('everything__echo');
    const seen = changes.length;
    await second.start();
    await expect.poll(() => changes.length, { timeout: 30_000 }).toBeGreaterThan(seen);
    expect(await all()).toContain('second__echo');
    await client.close();
  });
});
