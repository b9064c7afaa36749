import { EventEmitter } from 'node:events';
// `npm run bench`: the same workload (tools/call `echo` on server-everything in a Podman
// container) through every path a user could pick, in one run, on this machine:
//   direct stdio (the SDK client spawning `podman run -i`), our gateway on each transport, and
//   supergateway and mcp-proxy fronting the same image. Sequential latency (p50, p99), then
//   throughput at concurrency 1, 16 and 64. Prints a table and writes bench/results/latest.json.
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { EngineClient, ImageService, defaultCacheDir } from '@mcpman/core';
import { startCluster } from './cluster.js';
import { leanHttpTarget } from './lean-client.js';
import { leanGrpcTarget } from './lean-grpc-client.js';
import {
  REPO,
  directStdio,
  ensurePeers,
  gatewayTarget,
  grpcSessionTarget,
  grpcTarget,
  startGateway,
  startInstantGrpcResponder,
  startInstantResponder,
  startPeer,
} from './targets.js';
import type { EchoTarget } from './workload.js';
import { PathMeasurement } from './workload.js';
import { runScale } from './scale.js';
import { runSoak } from './soak.js';
import type { TargetResult } from './workload.js';

// SDK v1's HTTP client adds an abort listener per request to one signal; without this, Node
// prints a warning per request past 10, which would be measured too.
EventEmitter.defaultMaxListeners = 0;

const EVERYTHING = {
  type: 'npx',
  package: '@modelcontextprotocol/server-everything',
  version: '2026.8.31',
} as const;

interface Options {
  readonly quick: boolean;
  readonly soak: boolean;
  readonly scale: boolean;
  readonly minutes: number;
  /** `--only a,b`: measure only the paths whose key contains one of these words. */
  readonly only: readonly string[];
  /**
   * `--baseline DIR`: a built checkout of another commit; its gateway is measured beside ours
   * in the same rounds (an A/B of a change), its rows marked `(baseline)`.
   */
  readonly baseline: string | undefined;
}

function parseArgs(argv: readonly string[]): Options {
  const at = argv.indexOf('--minutes');
  const minutes = at === -1 ? 10 : Number(argv[at + 1]);
  return {
    quick: argv.includes('--quick'),
    soak: argv.includes('--soak'),
    scale: argv.includes('--scale'),
    minutes: Number.isFinite(minutes) && minutes > 0 ? minutes : 10,
    only: argv.includes('--only') ? (argv[argv.indexOf('--only') + 1] ?? '').split(',').filter(Boolean) : [],
    baseline: argv.includes('--baseline') ? argv[argv.indexOf('--baseline') + 1] : undefined,
  };
}

/** A path to measure: its key for `--only`, and how to open one client on it. */
interface BenchPath {
  readonly key: string;
  readonly make: () => Promise<EchoTarget>;
}

/** A target whose rows say which build they measured. */
async function labelled(made: Promise<EchoTarget>, suffix: string): Promise<EchoTarget> {
  const target = await made;
  return {
    label: `${target.label}${suffix}`,
    call: () => target.call(),
    close: () => target.close(),
  };
}

type PathResult = TargetResult | { label: string; error: string };

/**
 * Every path measured in rounds that take turns (path A's round 1, B's round 1, …, then round
 * 2), so that a stretch of load on the host falls on all paths alike rather than on whichever
 * was being measured then; the figures are each path's median round.
 */
async function measureInTurns(paths: readonly BenchPath[], quick: boolean): Promise<PathResult[]> {
  // A long first warm-up: the JIT of every process on the path (ours and the peers') settles
  // first. Our gateway's sequential p50 keeps falling for about 7,000 calls after it starts.
  const options = {
    warmup: quick ? 100 : 10_000,
    rewarm: quick ? 20 : 300,
    sequentialCalls: quick ? 100 : 1000,
    concurrency: [1, 16, 64],
    callsPerLevel: (c: number) => (quick ? 300 : c === 1 ? 1000 : 4000),
  };
  const rounds = quick ? 1 : 3;
  const runs = paths.map((path) => ({
    path,
    measurement: new PathMeasurement(path.make, options),
    error: undefined as string | undefined,
  }));
  for (let round = 1; round <= rounds; round += 1) {
    for (const run of runs) {
      if (run.error !== undefined) continue;
      process.stderr.write(`bench: round ${round} of ${rounds}: ${run.path.key} ...\n`);
      try {
        await run.measurement.round();
      } catch (error) {
        run.error = error instanceof Error ? error.message : String(error);
      }
    }
  }
  return runs.map((run) =>
    run.error === undefined ? run.measurement.result() : { label: run.path.key, error: run.error },
  );
}

function fmt(value: number, digits = 2): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '-';
}

function table(results: readonly (TargetResult | { label: string; error: string })[]): string {
  const ok = results.filter((r): r is TargetResult => 'sequential' in r);
  const rate = (r: TargetResult, c: number): number =>
    r.throughput.find((t) => t.concurrency === c)?.callsPerSecond ?? NaN;
  const direct = ok.find((r) => r.label.startsWith('direct'));
  const peers = ok.filter((r) => r.label.startsWith('supergateway') || r.label.startsWith('mcp-proxy'));
  const bestPeer = peers.reduce<TargetResult | undefined>(
    (best, r) => (best === undefined || rate(r, 16) > rate(best, 16) ? r : best),
    undefined,
  );
  const lines = [
    '| path | p50 ms | p99 ms | calls/s c=1 | c=16 | c=64 | c=16 vs direct | c=16 vs faster peer | p50 vs faster peer |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const result of results) {
    if (!('sequential' in result)) {
      lines.push(`| ${result.label} | failed: ${result.error} | | | | | | | |`);
      continue;
    }
    const vsDirect = direct === undefined ? NaN : rate(result, 16) / rate(direct, 16);
    const vsPeer = bestPeer === undefined ? NaN : rate(result, 16) / rate(bestPeer, 16);
    const p50VsPeer = bestPeer === undefined ? NaN : result.sequential.p50 / bestPeer.sequential.p50;
    lines.push(
      `| ${result.label} | ${fmt(result.sequential.p50)} | ${fmt(result.sequential.p99)} | ${fmt(rate(result, 1), 0)} | ${fmt(rate(result, 16), 0)} | ${fmt(rate(result, 64), 0)} | ${fmt(vsDirect)}× | ${fmt(vsPeer)}× | ${fmt(p50VsPeer)}× |`,
    );
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  if (options.soak) {
    if (!(await runSoak(options.minutes))) process.exitCode = 1;
    return;
  }
  if (options.scale) {
    await runScale();
    return;
  }
  const engine = await EngineClient.connect();
  const images = new ImageService({ engine, cacheDir: defaultCacheDir() });
  const image = (await images.resolve(EVERYTHING, REPO)).ref;
  await ensurePeers();
  const configPath = join(REPO, 'bench/everything.yaml');
  const wanted = (key: string): boolean =>
    options.only.length === 0 || options.only.some((word) => key.includes(word));
  // Everything measured is started first and stays up until the end, so paths can take turns.
  const paths: BenchPath[] = [];
  const add = (key: string, make: () => Promise<EchoTarget>): void => {
    if (wanted(key)) paths.push({ key, make });
  };
  const stops: (() => Promise<void>)[] = [];
  let results: PathResult[];
  try {
    add('direct stdio', () => directStdio(image));
    const gatewayKeys = [
      'streamable-http lean',
      'streamable-http',
      'sse',
      'websocket',
      'grpc unary',
      'grpc lean',
      'grpc session',
    ].map((key) => `mcpman ${key}`);
    if (gatewayKeys.some(wanted)) {
      const gateway = await startGateway(configPath);
      stops.push(gateway.stop);
      const streamable = new URL('/servers/everything/mcp', gateway.base).toString();
      add('mcpman streamable-http lean', () => leanHttpTarget('mcpman, Streamable HTTP', streamable));
      for (const transport of ['streamable-http', 'sse', 'websocket'] as const) {
        add(`mcpman ${transport}`, () => gatewayTarget(transport, gateway.base));
      }
      add('mcpman grpc unary', () => grpcTarget(gateway.grpc));
      add('mcpman grpc lean', () =>
        leanGrpcTarget('mcpman, gRPC (an RPC per call, lean client)', gateway.grpc, 'everything'),
      );
      add('mcpman grpc session', () => grpcSessionTarget(gateway.grpc));
    }
    if (options.baseline !== undefined && gatewayKeys.some(wanted)) {
      // Its own copy of the config: one config file is one manager, and two would share containers.
      const copy = join(options.baseline, 'bench/.baseline.yaml');
      await copyFile(configPath, copy);
      const baseline = await startGateway(copy, [], options.baseline);
      stops.push(baseline.stop);
      const url = new URL('/servers/everything/mcp', baseline.base).toString();
      add('mcpman streamable-http lean', () => leanHttpTarget('mcpman (baseline), Streamable HTTP', url));
      for (const transport of ['streamable-http', 'sse', 'websocket'] as const) {
        add(`mcpman ${transport}`, () => labelled(gatewayTarget(transport, baseline.base), ' (baseline)'));
      }
      add('mcpman grpc unary', () => labelled(grpcTarget(baseline.grpc), ' (baseline)'));
      add('mcpman grpc session', () => labelled(grpcSessionTarget(baseline.grpc), ' (baseline)'));
    }
    if (wanted('mcpman cluster')) {
      // One cluster of two replicas: the one-replica row uses only the first of them, so both
      // rows run the same processes on the same Redis.
      const cluster = await startCluster(2);
      stops.push(cluster.stop);
      const [first = ''] = cluster.urls;
      add('mcpman cluster 1 replica', () =>
        leanHttpTarget('mcpman gateway + Redis state, 1 replica (url: server on the host)', first),
      );
      add('mcpman cluster 2 replicas', () =>
        leanHttpTarget(
          'mcpman gateway + Redis state, 2 replicas in turn (url: server on the host)',
          cluster.urls,
        ),
      );
    }
    if (wanted('floor http')) {
      const floor = await startInstantResponder();
      stops.push(floor.stop);
      add('floor http', () => leanHttpTarget('floor: instant HTTP responder (no server)', floor.url));
    }
    if (wanted('floor grpc')) {
      const floor = await startInstantGrpcResponder();
      stops.push(floor.stop);
      add('floor grpc', () => grpcTarget(floor.address, 'floor: instant gRPC responder (no server)'));
      add('floor grpc lean', () =>
        leanGrpcTarget('floor: instant gRPC responder, lean client', floor.address, 'everything'),
      );
    }
    if (wanted('floor h2 lean')) {
      const floor = await startInstantGrpcResponder('http2');
      stops.push(floor.stop);
      add('floor h2 lean', () =>
        leanGrpcTarget('floor: bare node:http2 CallTool responder, lean client', floor.address, 'everything'),
      );
    }
    const failedPeers: PathResult[] = [];
    for (const peer of ['supergateway', 'mcp-proxy'] as const) {
      if (!wanted(peer)) continue;
      try {
        const running = await startPeer(peer, image);
        stops.push(running.stop);
        add(peer, () => leanHttpTarget(running.label, running.url));
      } catch (error) {
        failedPeers.push({ label: peer, error: error instanceof Error ? error.message : String(error) });
      }
    }
    results = [...(await measureInTurns(paths, options.quick)), ...failedPeers];
  } finally {
    for (const stop of stops.reverse()) await stop();
  }

  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}, ${new Date().toISOString().slice(0, 10)}`;
  const markdown = `Machine: ${machine}. Workload: tools/call echo on server-everything in Podman; ${options.quick ? 'quick run' : 'every path started first, then measured in three rounds that take turns path by path; each round is 1000 sequential calls, then 1000 calls at concurrency 1 and 4000 at 16 and 64, each on a fresh client warmed by 300 calls at the concurrency measured (the first by 10,000); the median round is shown'}. Streamable HTTP rows use one minimal client (bench/lean-client.ts) for every gateway; rows marked (SDK v1) and the SSE, WebSocket and direct stdio rows use the official SDK v1 client; gRPC rows use our generated client (grpc-js), except those marked lean client (bench/lean-grpc-client.ts: node:http2 and protobufjs, no channel stack).\n\n${table(results)}\n`;
  process.stdout.write(`\n${markdown}`);
  const dir = join(REPO, 'bench/results');
  // A run of some paths only (`--only`) must not replace the full run's tables.
  const name =
    options.baseline !== undefined
      ? 'ab'
      : options.quick
        ? 'quick'
        : options.only.length > 0
          ? 'only'
          : 'latest';
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, `${name}.json`), `${JSON.stringify({ machine, image, results }, null, 2)}\n`);
  await writeFile(join(dir, `${name}.md`), markdown);
}

await main();
