import { EventEmitter } from 'node:events';
// `npm run bench`: the same workload (tools/call `echo` on server-everything in a Podman
// container) through every path a user could pick, in one run, on this machine:
//   direct stdio (the SDK client spawning `podman run -i`), our gateway on each transport, and
//   supergateway and mcp-proxy fronting the same image. Sequential latency (p50, p99), then
//   throughput at concurrency 1, 16 and 64. Prints a table and writes bench/results/latest.json.
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { EngineClient, ImageService, defaultCacheDir } from '@mcpman/core';
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
import { runWorkload } from './workload.js';
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
  };
}

async function measure(
  label: string,
  make: () => Promise<EchoTarget>,
  quick: boolean,
): Promise<TargetResult | { label: string; error: string }> {
  process.stderr.write(`bench: ${label} ...\n`);
  try {
    // A long warm-up: the JIT of every process on the path (ours and the peers') settles first.
    // Our gateway's sequential p50 keeps falling for about 7,000 calls after it starts.
    return await runWorkload(make, {
      warmup: quick ? 100 : 10_000,
      rewarm: quick ? 20 : 300,
      sequentialCalls: quick ? 100 : 1000,
      concurrency: [1, 16, 64],
      callsPerLevel: (c) => (quick ? 300 : c === 1 ? 1000 : 4000),
      repeats: quick ? 1 : 3,
    });
  } catch (error) {
    return { label, error: error instanceof Error ? error.message : String(error) };
  }
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

/** A peer process is started once; every measurement level connects a fresh client to it. */
async function peerMeasure(
  peer: 'supergateway' | 'mcp-proxy',
  image: string,
  quick: boolean,
): Promise<TargetResult | { label: string; error: string }> {
  let running: Awaited<ReturnType<typeof startPeer>> | undefined;
  try {
    running = await startPeer(peer, image);
    const { url, label } = running;
    return await measure(label, () => leanHttpTarget(label, url), quick);
  } catch (error) {
    return { label: peer, error: error instanceof Error ? error.message : String(error) };
  } finally {
    await running?.stop();
  }
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
  const results: (TargetResult | { label: string; error: string })[] = [];
  const run = async (key: string, make: () => Promise<EchoTarget>): Promise<void> => {
    if (wanted(key)) results.push(await measure(key, make, options.quick));
  };
  await run('direct stdio', () => directStdio(image));
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
    try {
      const streamable = new URL('/servers/everything/mcp', gateway.base).toString();
      await run('mcpman streamable-http lean', () => leanHttpTarget('mcpman, Streamable HTTP', streamable));
      for (const transport of ['streamable-http', 'sse', 'websocket'] as const) {
        await run(`mcpman ${transport}`, () => gatewayTarget(transport, gateway.base));
      }
      await run('mcpman grpc unary', () => grpcTarget(gateway.grpc));
      await run('mcpman grpc lean', () =>
        leanGrpcTarget('mcpman, gRPC (an RPC per call, lean client)', gateway.grpc, 'everything'),
      );
      await run('mcpman grpc session', () => grpcSessionTarget(gateway.grpc));
    } finally {
      await gateway.stop();
    }
  }
  if (wanted('floor http')) {
    const floor = await startInstantResponder();
    try {
      await run('floor http', () => leanHttpTarget('floor: instant HTTP responder (no server)', floor.url));
    } finally {
      await floor.stop();
    }
  }
  if (wanted('floor grpc')) {
    const floor = await startInstantGrpcResponder();
    try {
      await run('floor grpc', () => grpcTarget(floor.address, 'floor: instant gRPC responder (no server)'));
      await run('floor grpc lean', () =>
        leanGrpcTarget('floor: instant gRPC responder, lean client', floor.address, 'everything'),
      );
    } finally {
      await floor.stop();
    }
  }
  if (wanted('floor http2 lean')) {
    const floor = await startInstantGrpcResponder('http2');
    try {
      await run('floor http2 lean', () =>
        leanGrpcTarget('floor: bare node:http2 CallTool responder, lean client', floor.address, 'everything'),
      );
    } finally {
      await floor.stop();
    }
  }
  if (wanted('supergateway')) results.push(await peerMeasure('supergateway', image, options.quick));
  if (wanted('mcp-proxy')) results.push(await peerMeasure('mcp-proxy', image, options.quick));

  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}, ${new Date().toISOString().slice(0, 10)}`;
  const markdown = `Machine: ${machine}. Workload: tools/call echo on server-everything in Podman; ${options.quick ? 'quick run' : '10,000 warm-up calls, three runs of 1000 sequential calls (the run with the median p50 is shown), then 1000 calls at concurrency 1 and 4000 at 16 and 64, three runs each (the median is shown), each on a fresh client warmed by 300 calls at the concurrency measured'}. Streamable HTTP rows use one minimal client (bench/lean-client.ts) for every gateway; rows marked (SDK v1) and the SSE, WebSocket and direct stdio rows use the official SDK v1 client; gRPC rows use our generated client (grpc-js), except those marked lean client (bench/lean-grpc-client.ts: node:http2 and protobufjs, no channel stack).\n\n${table(results)}\n`;
  process.stdout.write(`\n${markdown}`);
  const dir = join(REPO, 'bench/results');
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, options.quick ? 'quick.json' : 'latest.json'),
    `${JSON.stringify({ machine, image, results }, null, 2)}\n`,
  );
  await writeFile(join(dir, options.quick ? 'quick.md' : 'latest.md'), markdown);
}

await main();
