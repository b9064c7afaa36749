import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  ElicitRequestSchema,
  LoggingMessageNotificationSchema,
  ResourceUpdatedNotificationSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { McpGrpcClient } from '@mcpman/gateway';
import { nodeBaseImage } from './helpers/podman.js';
import { RuntimeHarness, resultText } from './helpers/runtime.js';
import { installFixture } from './helpers/tools.js';

const FIXTURE = new URL('./fixtures/modern-server', import.meta.url).pathname;
const MODERN = '2026-07-28';

/**
 * A 2026-07-28-only server (official SDK v2, legacy openings refused) behind the gateway:
 * legacy clients reach it through the bridge the other way round (its InputRequiredResults
 * become requests to the client; its listen stream becomes notifications), and 2026-07-28
 * clients get its multi-round-trip results as they are.
 */
describe('a 2026-07-28 server behind the gateway', () => {
  let h: RuntimeHarness;
  let base: URL;
  const clients: Client[] = [];

  const legacyClient = async (
    capabilities: Record<string, object> = {},
    path = '/servers/modern/mcp',
  ): Promise<Client> => {
    const client = new Client({ name: 'legacy', version: '1' }, { capabilities });
    await client.connect(new StreamableHTTPClientTransport(new URL(path, base)));
    clients.push(client);
    return client;
  };

  /** One stateless 2026-07-28 request on the gateway's modern front. */
  const modern = async (
    path: string,
    method: string,
    params: Record<string, unknown>,
    name?: string,
  ): Promise<Record<string, unknown>> => {
    const reply = await fetch(new URL(path, base), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        'mcp-protocol-version': MODERN,
        'mcp-method': method,
        ...(name === undefined ? {} : { 'mcp-name': name }),
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method,
        params: {
          ...params,
          _meta: {
            'io.modelcontextprotocol/protocolVersion': MODERN,
            'io.modelcontextprotocol/clientCapabilities': { elicitation: {} },
          },
        },
      }),
    });
    return (await reply.json()) as Record<string, unknown>;
  };

  beforeAll(async () => {
    await installFixture(FIXTURE);
    h = await RuntimeHarness.create();
    base = await h.startGateway(
      `  modern:\n    source: { build: ${FIXTURE}, buildArgs: { BASE: ${await nodeBaseImage()} } }\n`,
    );
    expect(h.runtime!.get('modern')!.status()).toMatchObject({
      state: 'ready',
      protocolVersion: MODERN,
      serverInfo: { name: 'mcpman-modern-fixture' },
    });
  });

  afterAll(async () => {
    for (const client of clients) await client.close().catch(() => undefined);
    await h.dispose();
  });

  it('serves a legacy client: calls, progress, and errors as they are', async () => {
    const client = await legacyClient();
    expect(client.getServerVersion()).toMatchObject({ name: 'mcpman-modern-fixture' });
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(
      expect.arrayContaining(['echo', 'ask_name', 'count']),
    );
    const echo = await client.callTool({ name: 'echo', arguments: { message: 'across eras' } });
    expect(resultText(echo)).toBe('Echo: across eras');
    // resultType belongs to 2026-07-28; a legacy client does not get it.
    expect(echo).not.toHaveProperty('resultType');
    const progress: number[] = [];
    const counted = await client.callTool({ name: 'count', arguments: {} }, undefined, {
      onprogress: (p) => progress.push(p.progress),
    });
    expect(resultText(counted)).toBe('counted to 3');
    expect(progress).toEqual([1, 2, 3]);
  });

  it("turns the server's InputRequiredResult into an elicitation request to a legacy client", async () => {
    const client = await legacyClient({ elicitation: {} });
    const asked: string[] = [];
    client.setRequestHandler(ElicitRequestSchema, (request) => {
      asked.push(request.params.message);
      return Promise.resolve({ action: 'accept' as const, content: { name: 'Ada' } });
    });
    const result = await client.callTool({ name: 'ask_name', arguments: {} });
    expect(asked).toEqual(['What is your name?']);
    expect(resultText(result)).toBe('Hello, Ada (state asked-once)');

    // A client that cannot answer gets the 2026-07-28 error for a missing capability.
    const unable = await legacyClient();
    const error = await unable.callTool({ name: 'ask_name', arguments: {} }).catch((e: unknown) => e);
    expect(String(error)).toMatch(/-32021.*elicitation/);
  });

  it("relays the server's listen stream: list changes and resource updates", async () => {
    const client = await legacyClient();
    const changed: number[] = [];
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      changed.push(Date.now());
    });
    const updates: string[] = [];
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
      updates.push(n.params.uri);
    });
    const before = (await client.listTools()).tools.length;
    await client.callTool({ name: 'add_tool', arguments: {} });
    await expect.poll(() => changed.length, { timeout: 10_000 }).toBeGreaterThan(0);
    // The gateway's cached list was dropped with the notification.
    expect((await client.listTools()).tools.length).toBe(before + 1);

    await client.subscribeResource({ uri: 'fixture://counter' });
    await client.callTool({ name: 'bump', arguments: {} });
    await expect.poll(() => updates, { timeout: 10_000 }).toEqual(['fixture://counter']);
    const read = await client.readResource({ uri: 'fixture://counter' });
    expect(read.contents[0]).toMatchObject({ uri: 'fixture://counter' });
    await client.unsubscribeResource({ uri: 'fixture://counter' });
    await client.callTool({ name: 'bump', arguments: {} });
    // A read after the second bump is answered after any update it caused would have arrived.
    await client.readResource({ uri: 'fixture://counter' });
    expect(updates).toEqual(['fixture://counter']);
  });

  it("sends the server's log messages to the clients whose level asked for them", async () => {
    const client = await legacyClient();
    const logs: unknown[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      logs.push(n.params.data);
    });
    await client.callTool({ name: 'work', arguments: {} });
    expect(logs).toEqual([]);
    await client.setLoggingLevel('info');
    await client.callTool({ name: 'work', arguments: {} });
    await expect.poll(() => logs).toEqual(['working on it']);

    // A 2026-07-28 request names its level in _meta; the messages come on its response stream.
    const reply = await fetch(new URL('/servers/modern/mcp', base), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'text/event-stream',
        'mcp-protocol-version': MODERN,
        'mcp-method': 'tools/call',
        'mcp-name': 'work',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 7,
        method: 'tools/call',
        params: {
          name: 'work',
          arguments: {},
          _meta: {
            'io.modelcontextprotocol/protocolVersion': MODERN,
            'io.modelcontextprotocol/clientCapabilities': {},
            'io.modelcontextprotocol/logLevel': 'debug',
          },
        },
      }),
    });
    const events = (await reply.text())
      .split('\n')
      .filter((line) => line.startsWith('data: ') && line.length > 6)
      .map(
        (line) => JSON.parse(line.slice(6)) as { method?: string; id?: number; params?: { data?: unknown } },
      );
    expect(events.map((e) => e.method ?? `result ${String(e.id)}`)).toEqual([
      'notifications/message',
      'result 7',
    ]);
    expect(events[0]?.params?.data).toBe('working on it');
  });

  it('passes multi-round-trip results through to 2026-07-28 clients, on HTTP and gRPC', async () => {
    for (const [path, name] of [
      ['/servers/modern/mcp', 'ask_name'],
      ['/mcp', 'modern__ask_name'],
    ] as const) {
      const first = await modern(path, 'tools/call', { name, arguments: {} }, name);
      const result = first['result'] as Record<string, unknown>;
      expect(result).toMatchObject({
        resultType: 'input_required',
        requestState: 'asked-once',
        inputRequests: { name: { method: 'elicitation/create' } },
      });
      const second = await modern(
        path,
        'tools/call',
        {
          name,
          arguments: {},
          requestState: result['requestState'],
          inputResponses: { name: { action: 'accept', content: { name: 'Grace' } } },
        },
        name,
      );
      expect(second['result']).toMatchObject({ resultType: 'complete' });
      expect(resultText(second['result'] as Record<string, unknown>)).toBe('Hello, Grace (state asked-once)');
    }

    const grpc = new McpGrpcClient({ address: h.gateway!.grpcAddress!, server: 'modern' });
    try {
      const meta = { 'io.modelcontextprotocol/clientCapabilities': { elicitation: {} } };
      const first = await grpc.callTool('ask_name', {}, { meta });
      expect(first).toMatchObject({ resultType: 'input_required', requestState: 'asked-once' });
      const done = await grpc.callTool(
        'ask_name',
        {},
        {
          meta,
          requestState: 'asked-once',
          inputResponses: { name: { action: 'accept', content: { name: 'Linus' } } },
        },
      );
      expect(resultText(done)).toBe('Hello, Linus (state asked-once)');
    } finally {
      grpc.close();
    }
  });
});
