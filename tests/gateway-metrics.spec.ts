import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import type { MetricFamily } from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { WebSocketClientTransport } from '@modelcontextprotocol/sdk/client/websocket.js';
import { McpGrpcClient } from '@mcpman/gateway';
import { WebSocket } from 'ws';
import { cliEnv, daemonRecord, mcpman, stopManager } from './helpers/cli.js';
import { sweep } from './helpers/podman.js';
import { EVERYTHING, Workspace } from './helpers/workspace.js';

type Labels = Readonly<Record<string, string>>;

// The SDK's WebSocket client uses the global WebSocket, which Node 20 does not have.
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

let lastText = '';

/** `/metrics`, parsed by a Prometheus text-format parser: a parse failure fails the test. */
async function scrape(url: string): Promise<MetricFamily[]> {
  const response = await fetch(new URL('/metrics', url));
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain');
  lastText = await response.text();
  return parsePrometheusTextFormat(lastText);
}

/**
 * A histogram's `_count` for one label set, from the text itself: the parser keeps histogram
 * buckets but not their labels.
 */
function histogramCount(text: string, name: string, labels: Labels): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`${name}_count{`) && wanted.every((w) => l.includes(w)));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}

function family(families: MetricFamily[], name: string): MetricFamily {
  const found = families.find((f) => f.name === name);
  if (found === undefined) throw new Error(`no metric ${name}`);
  return found;
}

/** Sum of the samples of `name` whose labels include `labels`. */
function total(families: MetricFamily[], name: string, labels: Labels = {}): number {
  return family(families, name)
    .metrics.filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))
    .reduce((sum, m) => sum + Number(m.value ?? m.count ?? 0), 0);
}

/**
 * `/metrics` of a real manager: Prometheus text that a parser accepts, with the figures the
 * issue names, moving as calls are made; `mcpman status` shows the same tool-call counts.
 */
describe('gateway metrics', () => {
  const env = cliEnv();
  let workspace: Workspace;
  let url = '';
  let client: Client;

  beforeAll(async () => {
    await sweep();
    workspace = await Workspace.create();
    const config = await workspace.write(
      'mcpman.yaml',
      `version: 1
gateway:
  listen: 127.0.0.1:0
  grpc: { listen: 127.0.0.1:0 }
  rateLimit: { perTool: { requests: 6, per: 1m } }
servers:
  everything:
    source: ${EVERYTHING}
    health: { interval: 1s }
`,
    );
    const up = await mcpman(env, ['up', '--detach', '-f', config]);
    expect(up.code, up.stdout).toBe(0);
    url = (await daemonRecord(env))!.url;
    client = new Client({ name: 'metrics-test', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL('mcp', url)));
  });

  afterAll(async () => {
    await client.close().catch(() => undefined);
    await stopManager(env);
    await sweep();
    await workspace.dispose();
  });

  it('exports every figure as parseable Prometheus text', async () => {
    const families = await scrape(url);
    for (const name of [
      'mcpman_tool_calls_total',
      'mcpman_request_duration_seconds',
      'mcpman_client_sessions',
      'mcpman_server_state',
      'mcpman_server_restarts',
      'mcpman_health_probe_seconds',
      'mcpman_rate_limit_rejections_total',
      'mcpman_transport_bytes_total',
      'mcpman_container_memory_bytes',
      'mcpman_container_cpu_seconds',
      'mcpman_process_resident_memory_bytes',
    ])
      expect(families.map((f) => f.name)).toContain(name);
    expect(family(families, 'mcpman_request_duration_seconds').type).toBe('HISTOGRAM');
    expect(total(families, 'mcpman_server_state', { server: 'everything', state: 'ready' })).toBe(1);
    expect(total(families, 'mcpman_client_sessions', { transport: 'streamable-http' })).toBe(1);
    expect(total(families, 'mcpman_container_memory_bytes', { server: 'everything' })).toBeGreaterThan(
      1024 * 1024,
    );
    await expect
      .poll(
        async () => {
          await scrape(url);
          return histogramCount(lastText, 'mcpman_health_probe_seconds', { server: 'everything' });
        },
        { timeout: 10_000 },
      )
      .toBeGreaterThan(0);
  });

  it('counts the open sessions of every transport, and forgets each when it ends', async () => {
    const sessions = async (): Promise<Record<string, number>> => {
      const families = await scrape(url);
      return Object.fromEntries(
        ['streamable-http', 'sse', 'websocket', 'grpc'].map((t) => [
          t,
          total(families, 'mcpman_client_sessions', { transport: t }),
        ]),
      );
    };
    const sse = new Client({ name: 'metrics-sse', version: '1' });
    // Legacy HTTP+SSE is what the transport under test is.
    // eslint-disable-next-line @typescript-eslint/no-deprecated
    await sse.connect(new SSEClientTransport(new URL('sse', url)));
    const ws = new Client({ name: 'metrics-ws', version: '1' });
    await ws.connect(new WebSocketClientTransport(new URL(`ws://${new URL(url).host}/ws`)));
    const grpc = new McpGrpcClient({ address: (await daemonRecord(env))!.grpc! });
    const stream = grpc.openSession();
    try {
      await stream.initialize({});
      // A stateless-era gRPC call gets a request-scoped session: it is not one a client holds.
      await grpc.listTools();
      expect(await sessions()).toEqual({ 'streamable-http': 1, sse: 1, websocket: 1, grpc: 1 });
    } finally {
      await stream.close();
      grpc.close();
      await sse.close();
      await ws.close();
    }
    await expect.poll(sessions).toEqual({ 'streamable-http': 1, sse: 0, websocket: 0, grpc: 0 });
  });

  it('moves as calls are made: calls by outcome, durations, bytes, rejections', async () => {
    const before = await scrape(url);
    const beforeText = lastText;
    for (let i = 0; i < 6; i++)
      await client.callTool({ name: 'everything__echo', arguments: { message: `m${i}` } });
    await expect(
      client.callTool({ name: 'everything__echo', arguments: { message: 'over' } }),
    ).rejects.toThrow(/Rate limit exceeded/);
    const after = await scrape(url);
    const calls = (labels: Labels): number =>
      total(after, 'mcpman_tool_calls_total', labels) - total(before, 'mcpman_tool_calls_total', labels);
    expect(calls({ server: 'everything', tool: 'echo', outcome: 'ok' })).toBe(6);
    expect(calls({ server: 'everything', tool: 'echo', outcome: 'rate_limited' })).toBe(1);
    const durations = (text: string): number =>
      histogramCount(text, 'mcpman_request_duration_seconds', {
        transport: 'streamable-http',
        method: 'tools/call',
      });
    expect(durations(lastText) - durations(beforeText)).toBe(7);
    expect(
      total(after, 'mcpman_rate_limit_rejections_total', { limit: 'tool' }) -
        total(before, 'mcpman_rate_limit_rejections_total', { limit: 'tool' }),
    ).toBe(1);
    for (const direction of ['in', 'out'])
      expect(total(after, 'mcpman_transport_bytes_total', { direction })).toBeGreaterThan(
        total(before, 'mcpman_transport_bytes_total', { direction }),
      );
  });

  it('shows the same tool-call figures in mcpman status and the API', async () => {
    const families = await scrape(url);
    const calls = total(families, 'mcpman_tool_calls_total', { server: 'everything' });
    const status = await mcpman(env, ['status', '--json']);
    const figures = (
      JSON.parse(status.stdout) as { figures: Record<string, { toolCalls: number; memoryBytes?: number }> }
    ).figures;
    expect(figures['everything']?.toolCalls).toBe(calls);
    expect(figures['everything']?.memoryBytes).toBeGreaterThan(0);
    const text = await mcpman(env, ['status']);
    expect(text.stdout).toMatch(new RegExp(`everything\\s+${calls}\\s+1\\s+[\\d.]+ MiB\\s+[\\d.]+ s`));
  });
});
