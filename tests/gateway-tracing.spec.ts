import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { WebSocketClientTransport } from '@modelcontextprotocol/sdk/client/websocket.js';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { WebSocket } from 'ws';
import { McpGrpcClient, Tracing } from '@mcpman/gateway';
import { RuntimeHarness, resultText } from './helpers/runtime.js';
import { nodeBaseImage } from './helpers/podman.js';
import { installFixture } from './helpers/tools.js';
import { EVERYTHING } from './helpers/workspace.js';

// The SDK v1 WebSocket client uses the global WebSocket, which Node 20 does not have.
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

const FIXTURE = new URL('./fixtures/modern-server', import.meta.url).pathname;
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN = '00f067aa0ba902b7';

/** OpenTelemetry spans through the pipeline (and server log messages for the manager's log), with real servers in Podman and the SDK client. */
describe('tracing', () => {
  let h: RuntimeHarness;
  let base: URL;
  const exporter = new InMemorySpanExporter();
  const clients: Client[] = [];
  const serverMessages: Record<string, unknown>[] = [];

  const connect = async (
    transport: StreamableHTTPClientTransport | WebSocketClientTransport,
  ): Promise<Client> => {
    const client = new Client({ name: 'tracing', version: '1' });
    await client.connect(transport);
    clients.push(client);
    return client;
  };
  const spans = (): ReadableSpan[] => exporter.getFinishedSpans();
  const parentOf = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId;

  beforeAll(async () => {
    await installFixture(FIXTURE);
    h = await RuntimeHarness.create();
    base = await h.startGateway(
      `  everything:
    source: ${EVERYTHING}
  modern:
    source: { build: ${FIXTURE}, buildArgs: { BASE: ${await nodeBaseImage()} } }
`,
      '{}',
      {
        tracing: new Tracing({ exporter }),
        onServerMessage: (server, params) => serverMessages.push({ server, ...params }),
      },
    );
  });

  afterAll(async () => {
    for (const client of clients) await client.close().catch(() => undefined);
    await h.dispose();
  });

  it('continues a client’s trace from its traceparent header: request, rate limit and upstream spans', async () => {
    const client = await connect(
      new StreamableHTTPClientTransport(new URL('/mcp', base), {
        requestInit: { headers: { traceparent: `00-${TRACE_ID}-${CLIENT_SPAN}-01` } },
      }),
    );
    exporter.reset();
    expect(resultText(await client.callTool({ name: 'everything__echo', arguments: { message: 't' } }))).toBe(
      'Echo: t',
    );
    const request = spans().find((s) => s.name === 'mcp tools/call');
    expect(request).toBeDefined();
    expect(request!.spanContext().traceId).toBe(TRACE_ID);
    expect(parentOf(request!)).toBe(CLIENT_SPAN);
    expect(request!.attributes).toMatchObject({ 'mcp.transport': 'streamable-http', 'mcp.era': 'session' });
    const upstream = spans().find((s) => s.name === 'upstream everything');
    expect(upstream?.spanContext().traceId).toBe(TRACE_ID);
    expect(parentOf(upstream!)).toBe(request!.spanContext().spanId);
    expect(upstream!.attributes).toMatchObject({ 'mcp.server': 'everything', 'mcp.method': 'tools/call' });
  });

  it('continues a trace from gRPC metadata, on an RPC per call and on the Session stream', async () => {
    const grpc = new McpGrpcClient({
      address: h.gateway!.grpcAddress!,
      metadata: { traceparent: `00-${TRACE_ID}-${CLIENT_SPAN}-01` },
    });
    try {
      exporter.reset();
      expect(resultText(await grpc.callTool('everything__echo', { message: 'g' }))).toBe('Echo: g');
      const unary = spans().find((s) => s.name === 'mcp tools/call');
      expect(unary?.spanContext().traceId).toBe(TRACE_ID);
      expect(parentOf(unary!)).toBe(CLIENT_SPAN);
      expect(unary!.attributes['mcp.transport']).toBe('grpc');
      const upstream = spans().find((s) => s.name === 'upstream everything');
      expect(parentOf(upstream!)).toBe(unary!.spanContext().spanId);

      const session = grpc.openSession();
      try {
        await session.initialize();
        exporter.reset();
        await session.request('tools/call', { name: 'everything__echo', arguments: { message: 's' } });
        const streamed = spans().find((s) => s.name === 'mcp tools/call');
        expect(streamed?.spanContext().traceId).toBe(TRACE_ID);
        expect(parentOf(streamed!)).toBe(CLIENT_SPAN);
      } finally {
        await session.close();
      }
    } finally {
      grpc.close();
    }
  });

  it('continues a trace from a WebSocket upgrade request’s traceparent header', async () => {
    const ws = new WebSocket(new URL('/ws', base.href.replace(/^http/, 'ws')), 'mcp', {
      headers: { traceparent: `00-${TRACE_ID}-${CLIENT_SPAN}-01` },
    });
    try {
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => {
          resolve();
        });
        ws.once('error', reject);
      });
      const answer = (id: number): Promise<Record<string, unknown>> =>
        new Promise((resolve) => {
          const onMessage = (data: Buffer): void => {
            const message = JSON.parse(data.toString('utf8')) as Record<string, unknown>;
            if (message['id'] !== id) return;
            ws.off('message', onMessage);
            resolve(message);
          };
          ws.on('message', onMessage);
        });
      const initialized = answer(1);
      ws.send(
        JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: {
            protocolVersion: '2025-11-25',
            capabilities: {},
            clientInfo: { name: 'ws', version: '1' },
          },
        }),
      );
      await initialized;
      ws.send(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
      exporter.reset();
      const listed = answer(2);
      ws.send(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }));
      expect(await listed).toHaveProperty('result.tools');
      const request = spans().find((s) => s.name === 'mcp tools/list');
      expect(request?.spanContext().traceId).toBe(TRACE_ID);
      expect(parentOf(request!)).toBe(CLIENT_SPAN);
    } finally {
      ws.close();
    }
  });

  it('accepts a traceparent in _meta on other transports, and marks failed calls', async () => {
    const client = await connect(
      new WebSocketClientTransport(new URL('/ws', base.href.replace(/^http/, 'ws'))),
    );
    exporter.reset();
    await client.callTool({
      name: 'everything__echo',
      arguments: { message: 'ws' },
      _meta: { traceparent: `00-${TRACE_ID}-${CLIENT_SPAN}-01` },
    });
    const request = spans().find((s) => s.name === 'mcp tools/call');
    expect(request?.spanContext().traceId).toBe(TRACE_ID);
    expect(request?.attributes['mcp.transport']).toBe('websocket');
    exporter.reset();
    await expect(client.callTool({ name: 'nowhere__echo', arguments: {} })).rejects.toThrow();
    const failed = spans().find((s) => s.name === 'mcp tools/call');
    expect(failed?.status.code).toBe(2);
    expect(failed?.status.message).toMatch(/nowhere/);
  });

  it('hands the upstream span’s context to a 2026-07-28 server in _meta', async () => {
    const client = await connect(new StreamableHTTPClientTransport(new URL('/servers/modern/mcp', base)));
    exporter.reset();
    const seen = resultText(await client.callTool({ name: 'trace', arguments: {} }));
    const upstream = spans().find((s) => s.name === 'upstream modern');
    expect(upstream).toBeDefined();
    expect(seen).toBe(`00-${upstream!.spanContext().traceId}-${upstream!.spanContext().spanId}-01`);
  });

  it('hands servers’ MCP log messages to the manager’s log as well as to the client', async () => {
    const client = await connect(new StreamableHTTPClientTransport(new URL('/servers/modern/mcp', base)));
    await client.setLoggingLevel('info');
    expect(resultText(await client.callTool({ name: 'work', arguments: {} }))).toBe('done');
    await expect
      .poll(() => serverMessages.find((m) => m['server'] === 'modern'))
      .toMatchObject({ level: 'info', data: 'working on it' });
  });

  it('is off, exporting nothing, unless configured', () => {
    expect(new Tracing().enabled).toBe(false);
    expect(new Tracing({ otlpEndpoint: 'http://127.0.0.1:4318/v1/traces' }).enabled).toBe(true);
  });
});
