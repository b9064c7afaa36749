// `npm run bench -- --soak [--minutes N]`: mixed traffic through the gateway for N minutes
// (default 10), from many clients on every transport at once: tool calls, list requests,
// resource subscriptions, and sessions opened and closed all the time. Every 10 s it samples
// throughput, p50/p99, the gateway's RSS and errors; at the end it prints a table, writes
// bench/results/soak.{json,md,svg}, and fails when RSS did not plateau or any call failed.
import { readFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { WebSocketClientTransport } from '@modelcontextprotocol/sdk/client/websocket.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { McpGrpcClient } from '@mcpman/gateway';
import { plotSvg } from './plot.js';
import { REPO, legacySse, startGateway } from './targets.js';

const SAMPLE_MS = 10_000;

interface Sample {
  readonly at: number;
  readonly calls: number;
  readonly callsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly rssMiB: number;
  readonly errors: number;
  readonly sessionsOpened: number;
  /** Client sessions the gateway holds (mcpman_client_sessions, all transports). */
  readonly gatewaySessions: number;
}

/** What every worker records into: latencies of the current window, totals, errors. */
class Recorder {
  window: number[] = [];
  calls = 0;
  errors = 0;
  sessions = 0;
  readonly errorKinds = new Map<string, number>();

  async time<T>(op: () => Promise<T>): Promise<T | undefined> {
    const started = performance.now();
    try {
      const result = await op();
      this.window.push(performance.now() - started);
      this.calls += 1;
      return result;
    } catch (error) {
      this.errors += 1;
      const kind = (error instanceof Error ? error.message : String(error)).slice(0, 80);
      this.errorKinds.set(kind, (this.errorKinds.get(kind) ?? 0) + 1);
      return undefined;
    }
  }
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

/** The gateway's own count of open client sessions, from its Prometheus metrics. */
async function gatewaySessions(base: URL): Promise<number> {
  const text = await (await fetch(new URL('/metrics', base))).text();
  let total = 0;
  for (const match of text.matchAll(/^mcpman_client_sessions\{[^}]*\} (\d+)/gm)) total += Number(match[1]);
  return total;
}

async function sdkClient(transport: Transport): Promise<Client> {
  const client = new Client({ name: 'mcpman-soak', version: '1' });
  await client.connect(transport);
  return client;
}

/** A long-lived client: calls, lists, and a resource subscription taken and dropped. */
async function sdkWorker(make: () => Transport, rec: Recorder, stop: AbortSignal): Promise<void> {
  const client = await sdkClient(make());
  rec.sessions += 1;
  const resources = (await client.listResources()).resources;
  const uri = resources[0]?.uri;
  for (let i = 0; !stop.aborted; i += 1) {
    await rec.time(() => client.callTool({ name: 'echo', arguments: { message: `soak ${i}` } }));
    if (i % 10 === 0) await rec.time(() => client.listTools());
    if (i % 25 === 0 && uri !== undefined) {
      await rec.time(() => client.subscribeResource({ uri }));
      await rec.time(() => client.unsubscribeResource({ uri }));
    }
  }
  await client.close();
}

/** Session churn: open a session, list, call once, close; again and again. */
async function churnWorker(base: URL, rec: Recorder, stop: AbortSignal): Promise<void> {
  while (!stop.aborted) {
    const transport = new StreamableHTTPClientTransport(new URL('/servers/everything/mcp', base));
    const client = await rec.time(() => sdkClient(transport));
    if (client === undefined) continue;
    rec.sessions += 1;
    await rec.time(() => client.listTools());
    await rec.time(() => client.callTool({ name: 'echo', arguments: { message: 'churn' } }));
    // A well-behaved client ends its session (DELETE); abandoned ones wait for the idle timeout.
    await rec.time(() => transport.terminateSession());
    await client.close();
  }
}

async function grpcWorker(address: string, rec: Recorder, stop: AbortSignal): Promise<void> {
  const client = new McpGrpcClient({ address, server: 'everything' });
  rec.sessions += 1;
  for (let i = 0; !stop.aborted; i += 1) {
    await rec.time(() => client.callTool('echo', { message: `grpc ${i}` }));
    if (i % 10 === 0) await rec.time(() => client.listTools());
  }
  client.close();
}

export async function runSoak(minutes: number): Promise<boolean> {
  (globalThis as { WebSocket?: unknown }).WebSocket ??= (await import('ws')).WebSocket;
  const gateway = await startGateway(join(REPO, 'bench/everything.yaml'));
  const rec = new Recorder();
  const stop = new AbortController();
  const samples: Sample[] = [];
  const started = performance.now();
  const base = gateway.base;
  const one = (path: string): URL => new URL(`/servers/everything/${path}`, base);
  try {
    const workers = [
      ...Array.from({ length: 4 }, () =>
        sdkWorker(() => new StreamableHTTPClientTransport(one('mcp')), rec, stop.signal),
      ),
      ...Array.from({ length: 2 }, () => sdkWorker(() => legacySse(one('sse')), rec, stop.signal)),
      ...Array.from({ length: 3 }, () =>
        sdkWorker(
          () => new WebSocketClientTransport(new URL(`ws://${base.host}/servers/everything/ws`)),
          rec,
          stop.signal,
        ),
      ),
      ...Array.from({ length: 2 }, () => grpcWorker(gateway.grpc, rec, stop.signal)),
      ...Array.from({ length: 2 }, () => churnWorker(base, rec, stop.signal)),
    ];
    let lastCalls = 0;
    const deadline = started + minutes * 60_000;
    while (performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
      const window = rec.window;
      rec.window = [];
      const sample: Sample = {
        at: (performance.now() - started) / 1000,
        calls: rec.calls,
        callsPerSecond: (rec.calls - lastCalls) / (SAMPLE_MS / 1000),
        p50: percentile(window, 50),
        p99: percentile(window, 99),
        rssMiB: await rssMiB(gateway.pid),
        errors: rec.errors,
        sessionsOpened: rec.sessions,
        gatewaySessions: await gatewaySessions(base),
      };
      lastCalls = rec.calls;
      samples.push(sample);
      process.stderr.write(
        `soak: ${sample.at.toFixed(0)} s, ${sample.callsPerSecond.toFixed(0)} calls/s, p50 ${sample.p50.toFixed(2)} ms, p99 ${sample.p99.toFixed(2)} ms, RSS ${sample.rssMiB.toFixed(1)} MiB, ${sample.errors} errors, ${sample.sessionsOpened} sessions opened, ${sample.gatewaySessions} open\n`,
      );
    }
    stop.abort();
    await Promise.allSettled(workers);
  } finally {
    await gateway.stop();
  }
  return report(samples, rec, minutes);
}

/** Plateau: the mean RSS of the last third is within 10 % of the middle third's. */
function plateau(samples: readonly Sample[]): { middle: number; last: number; ok: boolean } {
  const third = Math.max(1, Math.floor(samples.length / 3));
  const mean = (xs: readonly Sample[]): number =>
    xs.reduce((a, s) => a + s.rssMiB, 0) / Math.max(1, xs.length);
  const middle = mean(samples.slice(third, 2 * third));
  const last = mean(samples.slice(-third));
  return { middle, last, ok: last <= middle * 1.1 };
}

async function report(samples: readonly Sample[], rec: Recorder, minutes: number): Promise<boolean> {
  const rss = plateau(samples);
  const total = samples.at(-1);
  const lines = [
    `Soak: ${minutes} min of mixed traffic (13 clients: Streamable HTTP ×4, SSE ×2, WebSocket ×3, gRPC ×2, session churn ×2), sampled every ${SAMPLE_MS / 1000} s.`,
    '',
    '| t (s) | calls/s | p50 ms | p99 ms | gateway RSS MiB | errors (total) | sessions opened | sessions open |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...samples.map(
      (s) =>
        `| ${s.at.toFixed(0)} | ${s.callsPerSecond.toFixed(0)} | ${s.p50.toFixed(2)} | ${s.p99.toFixed(2)} | ${s.rssMiB.toFixed(1)} | ${s.errors} | ${s.sessionsOpened} | ${s.gatewaySessions} |`,
    ),
    '',
    `Total: ${total?.calls ?? 0} requests, ${rec.errors} errors, ${rec.sessions} sessions opened. RSS middle third ${rss.middle.toFixed(1)} MiB, last third ${rss.last.toFixed(1)} MiB: ${rss.ok ? 'plateau' : 'still growing'}.`,
    ...[...rec.errorKinds].map(([kind, count]) => `- ${count}× ${kind}`),
  ];
  const markdown = `${lines.join('\n')}\n`;
  process.stdout.write(markdown);
  const dir = join(REPO, 'bench/results');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'soak.md'), markdown);
  await writeFile(
    join(dir, 'soak.json'),
    `${JSON.stringify({ minutes, samples, errors: rec.errors, plateau: rss }, null, 2)}\n`,
  );
  await writeFile(
    join(dir, 'soak.svg'),
    plotSvg(`mcpman soak, ${minutes} min, ${new Date().toISOString().slice(0, 10)}`, [
      { title: 'Throughput', unit: 'calls/s', points: samples.map((s) => [s.at, s.callsPerSecond]) },
      { title: 'Latency p99', unit: 'ms', points: samples.map((s) => [s.at, s.p99]) },
      { title: 'Gateway RSS', unit: 'MiB', points: samples.map((s) => [s.at, s.rssMiB]) },
    ]),
  );
  return rss.ok && rec.errors === 0;
}
