import type { EventBus } from '@mcpman/core';
import type { Disposable } from '@mcpman/protocol';
import type { HealthSample, MetricSample } from '@mcpman/shared';
import type { ServerFigures } from '@mcpman/gateway';

export interface ServerHistoryOptions {
  readonly bus: EventBus;
  /** Current figures by server (gateway counters and container stats). */
  readonly figures: () => Promise<Readonly<Record<string, ServerFigures>>>;
  readonly sampleMs: number;
  /** Points kept per server and series. */
  readonly keep: number;
  /** Figures are sampled only this long after the dashboard last asked for them. */
  readonly watchMs?: number;
}

/**
 * What the server detail page plots: health probes as they happen (from the event bus) and the
 * server's figures sampled every few seconds, each in a bounded ring per server. Sampling asks
 * the engine for every container's stats, so it runs only while a dashboard is looking.
 */
export class ServerHistory implements Disposable {
  private readonly health = new Map<string, HealthSample[]>();
  private readonly metrics = new Map<string, MetricSample[]>();
  private readonly subscription: Disposable;
  private readonly timer: NodeJS.Timeout;
  private sampling = false;
  private watchedAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: ServerHistoryOptions) {
    this.subscription = options.bus.onType('server.health', (event) => {
      this.push(this.health, event.server, {
        at: event.at,
        ok: event.ok,
        latencyMs: event.latencyMs,
        ...(event.error === undefined ? {} : { error: event.error }),
      });
    });
    this.timer = setInterval(() => {
      if (this.watched) void this.sample();
    }, options.sampleMs);
    this.timer.unref();
  }

  private get watched(): boolean {
    return Date.now() - this.watchedAt < (this.options.watchMs ?? 5 * 60_000);
  }

  /** A dashboard is looking: keep sampling (and take a first sample now if it was idle). */
  watch(): void {
    const idle = !this.watched;
    this.watchedAt = Date.now();
    if (idle) void this.sample();
  }

  healthOf(server: string): readonly HealthSample[] {
    return this.health.get(server) ?? [];
  }

  metricsOf(server: string): readonly MetricSample[] {
    return this.metrics.get(server) ?? [];
  }

  /** Take one sample of every server now (also what the timer does). */
  async sample(): Promise<void> {
    if (this.sampling) return;
    this.sampling = true;
    try {
      const at = Date.now();
      const figures = await this.options.figures().catch(() => ({}));
      for (const [server, figure] of Object.entries(figures)) {
        this.push(this.metrics, server, {
          at,
          toolCalls: figure.toolCalls,
          toolErrors: figure.toolErrors,
          ...(figure.memoryBytes === undefined ? {} : { memoryBytes: figure.memoryBytes }),
          ...(figure.cpuSeconds === undefined ? {} : { cpuSeconds: figure.cpuSeconds }),
        });
      }
    } finally {
      this.sampling = false;
    }
  }

  private push<T>(rings: Map<string, T[]>, server: string, sample: T): void {
    const ring = rings.get(server) ?? [];
    ring.push(sample);
    if (ring.length > this.options.keep) ring.splice(0, ring.length - this.options.keep);
    rings.set(server, ring);
  }

  dispose(): void {
    clearInterval(this.timer);
    this.subscription.dispose();
  }
}
