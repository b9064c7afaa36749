import type { Socket } from 'node:net';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { SERVER_STATES } from '@mcpman/core';
import { REQUEST_METHODS, secretRedactor } from '@mcpman/protocol';
import type { EventBus } from '@mcpman/core';
import type { Disposable } from '@mcpman/protocol';
import type { ServerStatus } from '@mcpman/shared';

/** Methods named in metric labels; anything else is `other`, so junk cannot grow the series. */
const KNOWN_METHODS = REQUEST_METHODS;

const MAX_TOOL_SERIES = 2_000;

export type ToolOutcome = 'ok' | 'error' | 'denied' | 'rate_limited';

/** Figures per server, as `mcpman status` and the API show them (the same series as /metrics). */
export interface ServerFigures {
  readonly toolCalls: number;
  readonly toolErrors: number;
  readonly memoryBytes?: number;
  readonly cpuSeconds?: number;
}

export interface ContainerStats {
  readonly memoryBytes: number;
  readonly cpuSeconds: number;
}

export interface MetricsSources {
  /** Open client sessions by transport. */
  readonly sessions: () => Readonly<Record<string, number>>;
  /** The manager's servers (state, restarts), when there is a manager. */
  readonly servers?: () => readonly ServerStatus[];
  /** Container CPU and memory from the engine, by server. */
  readonly containerStats?: () => Promise<Readonly<Record<string, ContainerStats>>>;
  /** Manager events: health-probe latency comes from here. */
  readonly bus?: EventBus;
}

function label(value: string): string {
  return secretRedactor.redact(value);
}

/**
 * The gateway's Prometheus metrics (prom-client, one registry per gateway): tool calls by
 * server, tool and outcome; request durations by transport and method; client sessions by
 * transport; server state, restarts and probe latency; rate-limit rejections; bytes in and out;
 * container CPU and memory; and Node's own process metrics.
 */
export class GatewayMetrics implements Disposable {
  readonly registry = new Registry();
  private readonly toolCalls: Counter<'server' | 'tool' | 'outcome'>;
  private readonly duration: Histogram<'transport' | 'method'>;
  private readonly rejections: Counter<'limit'>;
  private readonly bytes: Counter<'transport' | 'direction'>;
  private readonly probe: Histogram<'server'>;
  private readonly sockets = new Map<Socket, { read: number; written: number }>();
  private readonly toolSeries = new Set<string>();
  private lastStats: Readonly<Record<string, ContainerStats>> = {};
  private readonly subscription: Disposable | undefined;

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'mcpman_' });
    this.toolCalls = new Counter({
      name: 'mcpman_tool_calls_total',
      help: 'Tool calls by server, tool and outcome.',
      labelNames: ['server', 'tool', 'outcome'],
      registers,
    });
    this.duration = new Histogram({
      name: 'mcpman_request_duration_seconds',
      help: 'Time from a request reaching the gateway to its response, by client transport and method.',
      labelNames: ['transport', 'method'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.rejections = new Counter({
      name: 'mcpman_rate_limit_rejections_total',
      help: 'Requests rejected by a rate limit or concurrency cap, by limit.',
      labelNames: ['limit'],
      registers,
    });
    this.bytes = new Counter({
      name: 'mcpman_transport_bytes_total',
      help: 'Bytes received from and sent to clients, by listener.',
      labelNames: ['transport', 'direction'],
      registers,
    });
    this.probe = new Histogram({
      name: 'mcpman_health_probe_seconds',
      help: 'Latency of MCP-level liveness probes, by server.',
      labelNames: ['server'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
      registers,
    });
    new Gauge({
      name: 'mcpman_client_sessions',
      help: 'Open client sessions by transport.',
      labelNames: ['transport'],
      registers,
      collect() {
        this.reset();
        for (const [transport, count] of Object.entries(sources.sessions())) this.set({ transport }, count);
      },
    });
    const servers = sources.servers;
    if (servers !== undefined) {
      new Gauge({
        name: 'mcpman_server_state',
        help: 'Current state of each server (1 for the state it is in).',
        labelNames: ['server', 'state'],
        registers,
        collect() {
          this.reset();
          for (const server of servers())
            for (const state of SERVER_STATES)
              this.set({ server: label(server.name), state }, server.state === state ? 1 : 0);
        },
      });
      new Gauge({
        name: 'mcpman_server_restarts',
        help: 'Restarts of each server since the manager started.',
        labelNames: ['server'],
        registers,
        collect() {
          this.reset();
          for (const server of servers()) this.set({ server: label(server.name) }, server.restarts);
        },
      });
    }
    const stats = sources.containerStats;
    if (stats !== undefined) {
      const refresh = async (): Promise<Readonly<Record<string, ContainerStats>>> => {
        this.lastStats = await stats().catch(() => this.lastStats);
        return this.lastStats;
      };
      new Gauge({
        name: 'mcpman_container_memory_bytes',
        help: 'Memory used by each server container (engine stats).',
        labelNames: ['server'],
        registers,
        async collect() {
          this.reset();
          for (const [server, s] of Object.entries(await refresh()))
            this.set({ server: label(server) }, s.memoryBytes);
        },
      });
      const latest = (): Readonly<Record<string, ContainerStats>> => this.lastStats;
      new Gauge({
        name: 'mcpman_container_cpu_seconds',
        help: 'CPU time used by each server container so far (engine stats).',
        labelNames: ['server'],
        registers,
        collect() {
          this.reset();
          for (const [server, s] of Object.entries(latest()))
            this.set({ server: label(server) }, s.cpuSeconds);
        },
      });
    }
    const sockets = this.sockets;
    const flush = (): void => {
      this.flushSockets();
    };
    new Gauge({
      name: 'mcpman_transport_open_connections',
      help: 'Open TCP connections on the HTTP listener.',
      registers,
      collect() {
        flush();
        this.set(sockets.size);
      },
    });
    this.subscription = sources.bus?.on((event) => {
      if (event.type === 'server.health' && event.ok)
        this.probe.observe({ server: label(event.server) }, event.latencyMs / 1000);
    });
  }

  /** Time one request; call the returned function when its response is ready. */
  startRequest(transport: string, method: string): () => void {
    return this.duration.startTimer({ transport, method: KNOWN_METHODS.has(method) ? method : 'other' });
  }

  toolCall(server: string, tool: string, outcome: ToolOutcome): void {
    // Tool names come from clients: past a bound, new ones share one series.
    const key = `${server}\u0000${tool}`;
    if (!this.toolSeries.has(key) && this.toolSeries.size < MAX_TOOL_SERIES) this.toolSeries.add(key);
    const known = this.toolSeries.has(key);
    this.toolCalls.inc({ server: label(server), tool: known ? label(tool) : 'other', outcome });
  }

  rateLimited(limit: string): void {
    this.rejections.inc({ limit });
  }

  /** Count bytes of an HTTP listener connection (sampled at each scrape and at its close). */
  trackSocket(socket: Socket): void {
    this.sockets.set(socket, { read: 0, written: 0 });
    socket.once('close', () => {
      this.sample(socket);
      this.sockets.delete(socket);
    });
  }

  /** Bytes of messages on a transport that has no socket of ours to count (gRPC). */
  addBytes(transport: string, direction: 'in' | 'out', count: number): void {
    this.bytes.inc({ transport, direction }, count);
  }

  /** Tool-call figures per server, from the same counters /metrics shows. */
  async serverFigures(): Promise<Record<string, ServerFigures>> {
    const figures: Record<
      string,
      { toolCalls: number; toolErrors: number; memoryBytes?: number; cpuSeconds?: number }
    > = {};
    for (const value of (await this.toolCalls.get()).values) {
      const server = String(value.labels['server'] ?? '');
      const entry = (figures[server] ??= { toolCalls: 0, toolErrors: 0 });
      entry.toolCalls += value.value;
      if (value.labels['outcome'] !== 'ok') entry.toolErrors += value.value;
    }
    for (const [server, s] of Object.entries(this.lastStats)) {
      const entry = (figures[server] ??= { toolCalls: 0, toolErrors: 0 });
      entry.memoryBytes = s.memoryBytes;
      entry.cpuSeconds = s.cpuSeconds;
    }
    return figures;
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  dispose(): void {
    this.subscription?.dispose();
    this.registry.clear();
  }

  private flushSockets(): void {
    for (const socket of this.sockets.keys()) this.sample(socket);
  }

  private sample(socket: Socket): void {
    const seen = this.sockets.get(socket);
    if (seen === undefined) return;
    const read = socket.bytesRead;
    const written = socket.bytesWritten;
    if (read > seen.read) this.bytes.inc({ transport: 'http', direction: 'in' }, read - seen.read);
    if (written > seen.written)
      this.bytes.inc({ transport: 'http', direction: 'out' }, written - seen.written);
    seen.read = read;
    seen.written = written;
  }
}
