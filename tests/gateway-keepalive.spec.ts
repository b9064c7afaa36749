import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { RuntimeHarness } from './helpers/runtime.js';
import { EVERYTHING } from './helpers/workspace.js';
import { initializeRequest } from './helpers/mcp-wire.js';

/**
 * Read a stream until `pattern` shows up in what arrived; resolves with everything read. The
 * stream is cancelled afterwards unless `keepOpen`.
 */
async function readUntil(
  body: ReadableStream<Uint8Array>,
  pattern: RegExp,
  keepOpen = false,
): Promise<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    while (!pattern.test(text)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    if (keepOpen) reader.releaseLock();
    else await reader.cancel();
  }
  return text;
}

/**
 * Keep-alive on every listener (HTTP idle timeout, SSE heartbeats, WebSocket ping/pong that
 * closes dead peers) and request size limits, with short intervals configured so that the
 * test waits for events rather than time.
 */
describe('gateway keep-alive and limits', () => {
  let h: RuntimeHarness;
  let base: URL;

  beforeAll(async () => {
    h = await RuntimeHarness.create();
    base = await h.startGateway(
      `  everything:\n    source: ${EVERYTHING}\n`,
      '{ maxRequestBytes: 16Ki, keepAlive: { httpTimeout: 1s, sseHeartbeat: 200ms, wsPing: 200ms } }',
    );
  });

  afterAll(async () => {
    await h.dispose();
  });

  it('closes an idle keep-alive HTTP connection after keepAlive.httpTimeout', async () => {
    const socket = connect(Number(base.port), base.hostname);
    let response = '';
    socket.on('data', (chunk: Buffer) => {
      response += chunk.toString('utf8');
    });
    const closed = new Promise<void>((resolve) => {
      socket.once('close', () => {
        resolve();
      });
    });
    await new Promise<void>((resolve) =>
      socket.once('connect', () => {
        resolve();
      }),
    );
    socket.write(`GET /nowhere HTTP/1.1\r\nHost: ${base.host}\r\nConnection: keep-alive\r\n\r\n`);
    // The server keeps the connection after answering, then closes it once idle.
    await closed;
    expect(response).toMatch(/^HTTP\/1\.1 404 Not Found/);
    expect(response).toMatch(/keep-alive: timeout=1/i);
  });

  it('sends heartbeats on idle SSE streams (legacy SSE and the Streamable HTTP GET stream)', async () => {
    const sse = await fetch(new URL('/servers/everything/sse', base), {
      headers: { accept: 'text/event-stream' },
    });
    const legacy = await readUntil(sse.body!, /: keep-alive\n\n/);
    expect(legacy).toMatch(/^event: endpoint\n/);
    expect(legacy).toContain(': keep-alive\n\n');

    const init = await fetch(new URL('/servers/everything/mcp', base), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify(initializeRequest('ka')),
    });
    const session = init.headers.get('mcp-session-id')!;
    await init.text();
    const stream = await fetch(new URL('/servers/everything/mcp', base), {
      headers: { accept: 'text/event-stream', 'mcp-session-id': session },
    });
    expect(stream.status).toBe(200);
    expect(await readUntil(stream.body!, /: keep-alive\n\n/)).toContain(': keep-alive\n\n');
  });

  it('pings WebSocket peers and closes the ones that stop answering', async () => {
    const live = new WebSocket(`ws://${base.host}/ws`, 'mcp');
    let pings = 0;
    live.on('ping', () => (pings += 1));
    await new Promise((resolve) => live.once('open', resolve));
    await expect.poll(() => pings, { timeout: 5_000 }).toBeGreaterThanOrEqual(3);
    expect(live.readyState).toBe(WebSocket.OPEN);
    live.close();

    // A peer that never answers pings (as a dead one would not) is terminated.
    const dead = new WebSocket(`ws://${base.host}/ws`, 'mcp', { autoPong: false });
    await new Promise((resolve) => dead.once('open', resolve));
    const code = await new Promise<number>((resolve) => dead.once('close', resolve));
    expect(code).toBe(1006);
  });

  it('limits request size on every transport with a clear error', async () => {
    const big = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'echo', arguments: { message: 'x'.repeat(32 * 1024) } },
    });
    const http = await fetch(new URL('/servers/everything/mcp', base), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: big,
    });
    expect(http.status).toBe(413);
    expect(((await http.json()) as { error: { message: string } }).error.message).toMatch(/16384 bytes/);

    const sse = await fetch(new URL('/servers/everything/sse', base), {
      headers: { accept: 'text/event-stream' },
    });
    // The stream stays open: the session lives as long as it does.
    const endpoint = /event: endpoint\ndata: (\S+)/.exec(
      await readUntil(sse.body!, /data: \S+\n/, true),
    )![1]!;
    const legacy = await fetch(new URL(endpoint, base), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: big,
    });
    expect(legacy.status).toBe(413);
    expect(((await legacy.json()) as { error: { message: string } }).error.message).toMatch(/16384 bytes/);
    await sse.body!.cancel();

    const ws = new WebSocket(`ws://${base.host}/servers/everything/ws`, 'mcp');
    await new Promise((resolve) => ws.once('open', resolve));
    const closed = new Promise<number>((resolve) => ws.once('close', resolve));
    ws.send(big);
    // 1009: message too big (RFC 6455).
    expect(await closed).toBe(1009);
  });
});
