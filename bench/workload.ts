import { performance } from 'node:perf_hooks';

/** Something that can call `echo` once (an MCP client over some transport). */
export interface EchoTarget {
  readonly label: string;
  call(): Promise<void>;
  close(): Promise<void>;
}

export interface LatencyStats {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly mean: number;
}

export interface ThroughputStats {
  readonly concurrency: number;
  readonly calls: number;
  readonly seconds: number;
  readonly callsPerSecond: number;
  readonly errors: number;
  /** What the first failed call said, when one failed. */
  readonly firstError?: string;
}

export interface TargetResult {
  readonly label: string;
  readonly sequential: LatencyStats;
  readonly throughput: readonly ThroughputStats[];
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? NaN;
}

/** `count` calls one after another: the latency of a single call. */
export async function sequential(target: EchoTarget, count: number): Promise<LatencyStats> {
  const times: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const started = performance.now();
    await target.call();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return {
    count,
    p50: percentile(times, 50),
    p99: percentile(times, 99),
    mean: times.reduce((a, b) => a + b, 0) / count,
  };
}

/** `calls` calls with `concurrency` in flight at once: calls per second. */
export async function throughput(
  target: EchoTarget,
  concurrency: number,
  calls: number,
): Promise<ThroughputStats> {
  let next = 0;
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < calls) {
      next += 1;
      try {
        await target.call();
      } catch (error) {
        errors += 1;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  return {
    concurrency,
    calls,
    seconds,
    callsPerSecond: calls / seconds,
    errors,
    ...(firstError === undefined ? {} : { firstError }),
  };
}

export interface WorkloadOptions {
  /** Calls before the first measurement (every process on the path warms its JIT)… */
  readonly warmup: number;
  /** …and on each fresh client after that. */
  readonly rewarm: number;
  readonly sequentialCalls: number;
  readonly concurrency: readonly number[];
  readonly callsPerLevel: (concurrency: number) => number;
}

/** The run whose `key` is the median of all runs'. */
function medianBy<T>(runs: readonly T[], key: (run: T) => number): T {
  const sorted = [...runs].sort((a, b) => key(a) - key(b));
  const middle = sorted[Math.floor(sorted.length / 2)];
  if (middle === undefined) throw new Error('no runs');
  return middle;
}

/**
 * One path's measurements, taken a round at a time so that paths can take turns: on a shared
 * VM the host's load drifts over minutes, and paths measured one after another would each get
 * a different stretch of it. Each round is one sequential run and one run per concurrency
 * level; the result is the median of the rounds.
 *
 * Each measurement gets a fresh client connection: SDK v1's HTTP client keeps an abort
 * listener per request on one signal, so one long-lived client slows down as a run goes on,
 * whatever it talks to. The same applies to every path measured.
 */
export class PathMeasurement {
  private readonly latencies: LatencyStats[] = [];
  private readonly levels = new Map<number, ThroughputStats[]>();
  private label = '';
  private warmup: number;

  constructor(
    private readonly make: () => Promise<EchoTarget>,
    private readonly options: WorkloadOptions,
  ) {
    this.warmup = options.warmup;
  }

  async round(): Promise<void> {
    this.latencies.push(
      await this.withTarget(1, (target) => {
        this.label = target.label;
        return sequential(target, this.options.sequentialCalls);
      }),
    );
    for (const concurrency of this.options.concurrency) {
      const run = await this.withTarget(concurrency, (target) =>
        throughput(target, concurrency, this.options.callsPerLevel(concurrency)),
      );
      this.levels.set(concurrency, [...(this.levels.get(concurrency) ?? []), run]);
    }
  }

  /** Sequential latency from the round with the median p50; each level's median rate. */
  result(): TargetResult {
    return {
      label: this.label,
      sequential: medianBy(this.latencies, (run) => run.p50),
      throughput: this.options.concurrency.map((concurrency) =>
        medianBy(this.levels.get(concurrency) ?? [], (run) => run.callsPerSecond),
      ),
    };
  }

  /**
   * A fresh client, warmed at the concurrency about to be measured so that every connection it
   * pools is open before the clock starts: the figure is steady-state, not the ramp-up of a new
   * client. The first warm-up is the long one.
   */
  private async withTarget<T>(concurrency: number, fn: (target: EchoTarget) => Promise<T>): Promise<T> {
    const target = await this.make();
    try {
      const warm = await throughput(target, concurrency, this.warmup);
      if (warm.firstError !== undefined)
        throw new Error(`${warm.errors} of ${this.warmup} warm-up calls failed: ${warm.firstError}`);
      this.warmup = this.options.rewarm;
      return await fn(target);
    } finally {
      await target.close();
    }
  }
}
