import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioHttpBridge } from './stdio-http-bridge.js';

const EVERYTHING = createRequire(import.meta.url).resolve(
  '@modelcontextprotocol/server-everything/dist/index.js',
);

describe('StdioHttpBridge', () => {
  let bridge: StdioHttpBridge | undefined;
  const clients: Client[] = [];
  afterEach(async () => {
    await Promise.allSettled(clients.splice(0).map((client) => client.close()));
    await bridge?.close();
  });

  async function start(maxSessions = 4, idleTimeoutMs?: number): Promise<URL> {
    bridge = new StdioHttpBridge({
      command: [process.execPath, EVERYTHING, 'stdio'],
      host: '127.0.0.1',
      port: 0,
      maxSessions,
      ...(idleTimeoutMs === undefined ? {} : { idleTimeoutMs }),
    });
    return new URL(`http://127.0.0.1:${await bridge.listen()}/mcp`);
  }

  async function connect(url: URL): Promise<Client> {
    const client = new Client({ name: 'bridge-spec', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(url));
    clients.push(client);
    return client;
  }

  it('serves the real server-everything over Streamable HTTP: tools listed and called, progress on the call', async () => {
    const client = await connect(await start());
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toContain('echo');
    const echoed = await client.callTool({ name: 'echo', arguments: { message: 'through the bridge' } });
    expect(JSON.stringify(echoed.content)).toContain('through the bridge');
    const progress: number[] = [];
    await client.callTool(
      { name: 'trigger-long-running-operation', arguments: { duration: 0.3, steps: 3 } },
      { onprogress: (event) => progress.push(event.progress) },
    );
    expect(progress.length).toBe(3);
  });

  it('gives every session its own server process, ends it on DELETE, and refuses sessions beyond its most', async () => {
    const url = await start(2);
    const first = await connect(url);
    await connect(url);
    expect(bridge?.sessionCount).toBe(2);
    const refused = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } },
      }),
    });
    // As the gateway refuses a session past its caps: LIMIT_EXCEEDED.
    expect(refused.status).toBe(429);
    await (first.transport as StreamableHTTPClientTransport).terminateSession();
    await expect.poll(() => bridge?.sessionCount).toBe(1);
  });

  it('ends a session nobody uses any more (a gateway replica that died), keeping one in use', async () => {
    const url = await start(4, 300);
    const abandoned = await connect(url);
    const kept = await connect(url);
    expect(bridge?.sessionCount).toBe(2);
    // Its connections close without a DELETE, as when a replica is killed; the other keeps calling.
    await abandoned.close();
    await expect
      .poll(
        async () => {
          await kept.callTool({ name: 'echo', arguments: { message: 'still here' } });
          return bridge?.sessionCount;
        },
        { timeout: 4_000, interval: 100 },
      )
      .toBe(1);
    const echoed = await kept.callTool({ name: 'echo', arguments: { message: 'after the sweep' } });
    expect(JSON.stringify(echoed.content)).toContain('after the sweep');
  });

  it('answers requests without a session, and bad bodies, with JSON-RPC errors', async () => {
    const url = await start();
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const noSession = await fetch(url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(noSession.status).toBe(400);
    expect(((await noSession.json()) as { error: { code: number } }).error.code).toBe(-32600);
    const garbled = await fetch(url, { method: 'POST', headers, body: '{not json' });
    expect(garbled.status).toBe(400);
    expect(((await garbled.json()) as { error: { code: number } }).error.code).toBe(-32700);
    const unknown = await fetch(url, {
      method: 'POST',
      headers: { ...headers, 'mcp-session-id': 'nope' },
      body: '{}',
    });
    expect(unknown.status).toBe(404);
    // The gateway's code for it, not the SDK's -32001.
    expect(
      ((await unknown.json()) as { error: { code: number; data: { code: string } } }).error,
    ).toMatchObject({
      code: -32038,
      data: { code: 'SESSION_NOT_FOUND' },
    });
    expect((await fetch(new URL('/healthz', url))).status).toBe(200);
  });
});
