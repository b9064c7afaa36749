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
  /** Runs per concurrency level; the median is reported (a 2-core machine is noisy). */
  readonly repeats?: number;
}

/** The run whose `key` is the median of all runs'. */
function medianBy<T>(runs: readonly T[], key: (run: T) => number): T {
  const sorted = [...runs].sort((a, b) => key(a) - key(b));
  const middle = sorted[Math.floor(sorted.length / 2)];
  if (middle === undefined) throw new Error('no runs');
  return middle;
}

/**
 * Each measurement gets a fresh client connection: SDK v1's HTTP client keeps an abort
 * listener per request on one signal, so one long-lived client slows down as a run goes on,
 * whatever it talks to. The same applies to every path measured.
 */
export async function runWorkload(
  make: () => Promise<EchoTarget>,
  options: WorkloadOptions,
): Promise<TargetResult> {
  let warmup = options.warmup;
  // The warm-up runs at the concurrency about to be measured, so every connection a client
  // pools is open before the clock starts: the figure is steady-state throughput, not the
  // ramp-up of a fresh client (the same for every path).
  const withTarget = async <T>(concurrency: number, fn: (target: EchoTarget) => Promise<T>): Promise<T> => {
    const target = await make();
    try {
      const warm = await throughput(target, concurrency, warmup);
      if (warm.firstError !== undefined)
        throw new Error(`${warm.errors} of ${warmup} warm-up calls failed: ${warm.firstError}`);
      warmup = options.rewarm;
      return await fn(target);
    } finally {
      await target.close();
    }
  };
  let label = '';
  // Sequential latency is measured in `repeats` runs on the warmed client too, and the run with
  // the median p50 is reported: one run's p50 moved by ±15 % between runs here.
  const latency = await withTarget(1, async (target) => {
    label = target.label;
    const runs: LatencyStats[] = [];
    for (let i = 0; i < (options.repeats ?? 1); i += 1)
      runs.push(await sequential(target, options.sequentialCalls));
    return medianBy(runs, (run) => run.p50);
  });
  const levels: ThroughputStats[] = [];
  for (const concurrency of options.concurrency) {
    const runs: ThroughputStats[] = [];
    for (let i = 0; i < (options.repeats ?? 1); i += 1) {
      runs.push(
        await withTarget(concurrency, (target) =>
          throughput(target, concurrency, options.callsPerLevel(concurrency)),
        ),
      );
    }
    levels.push(medianBy(runs, (run) => run.callsPerSecond));
  }
  return { label, sequential: latency, throughput: levels };
}
