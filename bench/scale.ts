// `npm run bench -- --scale`: one gateway with 50 servers (server-everything, stdio, each in its
// own container) and 1,000 concurrent client sessions. Measures the time to bring the 50 up
// (in parallel, 8 at a time), the gateway's memory per server and per session, container memory
// per server, and tools/list latency over all 50 on /mcp. Writes bench/results/scale.{json,md}.
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { WebSocket } from 'ws';
import { REPO, freePort, startGateway } from './targets.js';

const run = promisify(execFile);
const SERVERS = 50;
const SESSIONS = 1000;

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024;
}

/** RSS moves with the garbage collector: the median of samples over a few quiet seconds. */
async function settledRssMiB(pid: number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < 10; i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    samples.push(await rssMiB(pid));
  }
  return percentile(samples, 50);
}

/**
 * The gateway's live JS heap in MiB: a full collection first, then V8's used size, through the
 * inspector the gateway was started with. RSS alone cannot show what a session costs: the
 * collector frees more between two samples than 1,000 sessions take.
 */
async function liveHeapMiB(inspectPort: number): Promise<number> {
  const targets = (await (await fetch(`http://127.0.0.1:${inspectPort}/json/list`)).json()) as {
    webSocketDebuggerUrl?: string;
  }[];
  const url = targets[0]?.webSocketDebuggerUrl;
  if (url === undefined) throw new Error('the gateway has no inspector target');
  const socket = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => {
      resolve();
    });
    socket.once('error', reject);
  });
  let nextId = 0;
  // A full collection of a large heap takes seconds, never a minute; a closed socket fails at once.
  const call = (method: string): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      const id = ++nextId;
      const fail = (why: string): void => {
        settle();
        reject(new Error(`inspector ${method}: ${why}`));
      };
      const timer = setTimeout(() => {
        fail('no answer within 60 s');
      }, 60_000);
      const onClose = (): void => {
        fail('the connection closed');
      };
      const onMessage = (data: Buffer): void => {
        const reply = JSON.parse(data.toString('utf8')) as { id?: number; result?: Record<string, unknown> };
        if (reply.id !== id) return;
        settle();
        resolve(reply.result ?? {});
      };
      const settle = (): void => {
        clearTimeout(timer);
        socket.off('message', onMessage);
        socket.off('close', onClose);
      };
      socket.on('message', onMessage);
      socket.once('close', onClose);
      socket.send(JSON.stringify({ id, method }));
    });
  try {
    await call('HeapProfiler.collectGarbage');
    const usage = await call('Runtime.getHeapUsage');
    return Number(usage['usedSize']) / 2 ** 20;
  } finally {
    socket.close();
  }
}

/** One JSON-RPC message on an open session, raw; the body of the answer. */
async function post(base: URL, id: string, message: object): Promise<string> {
  const reply = await fetch(new URL('/mcp', base), {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-session-id': id,
      'mcp-protocol-version': '2025-11-25',
    },
    body: JSON.stringify({ jsonrpc: '2.0', ...message }),
  });
  return reply.text();
}

/** tools/list on an open session, raw: the SDK client would time its own schema checks too. */
async function listTools(base: URL, id: string): Promise<number> {
  const text = await post(base, id, { id: 3, method: 'tools/list', params: {} });
  return (text.match(/"inputSchema"/g) ?? []).length;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

async function writeConfig(servers: number): Promise<string> {
  const dir = join(REPO, 'bench/.state');
  await mkdir(dir, { recursive: true });
  const path = join(dir, `scale-${servers}.yaml`);
  const entries = Array.from(
    { length: servers },
    (_, i) =>
      `  s${String(i + 1).padStart(2, '0')}:\n    source: npx://@modelcontextprotocol/server-everything@2026.8.31\n    args: [stdio]\n    resourceLimits: { memory: 256Mi, cpus: 0.5 }\n    health: { interval: 10m }\n`,
  );
  await writeFile(
    path,
    `version: 1\ngateway: { listen: 127.0.0.1:0, grpc: { listen: 127.0.0.1:0 } }\nservers:\n${entries.join('')}`,
  );
  return path;
}

/** Containers' memory as the engine reports it, MiB. */
async function containerMemoryMiB(): Promise<number[]> {
  const { stdout } = await run('podman', ['stats', '--no-stream', '--format', '{{.MemUsage}}'], {
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [used = ''] = line.split('/');
      const match = /([\d.]+)\s*([kMG]i?B)/.exec(used.trim());
      if (match === null) return NaN;
      const factor: Record<string, number> = {
        kB: 1 / 1024,
        KiB: 1 / 1024,
        MB: 1,
        MiB: 1,
        GB: 1024,
        GiB: 1024,
      };
      return Number(match[1]) * (factor[match[2] ?? 'MB'] ?? 1);
    });
}

/** A raw Streamable HTTP session on /mcp (initialize + initialized), kept open. */
async function openSession(base: URL): Promise<string> {
  const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  const init = await fetch(new URL('/mcp', base), {
    method: 'POST',
    headers,
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-11-25',
        capabilities: {},
        clientInfo: { name: 'scale', version: '1' },
      },
    }),
  });
  const id = init.headers.get('mcp-session-id');
  await init.text();
  if (id === null) throw new Error(`no session id (HTTP ${init.status})`);
  await post(base, id, { method: 'notifications/initialized' });
  return id;
}

async function callOnSession(base: URL, id: string, n: number): Promise<void> {
  const name = `s${String((n % SERVERS) + 1).padStart(2, '0')}__echo`;
  const text = await post(base, id, {
    id: 2,
    method: 'tools/call',
    params: { name, arguments: { message: 'scale' } },
  });
  if (!text.includes('Echo: scale')) throw new Error(`session call failed: ${text.slice(0, 200)}`);
}

async function bounded<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T, i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i] as T, i);
      }
    }),
  );
}

export async function runScale(): Promise<void> {
  // The gateway with one server: the baseline its memory per server is measured against.
  // Each gateway runs with an inspector on loopback, only to read its heap after a collection.
  const singleInspect = await freePort();
  const single = await startGateway(await writeConfig(1), [`--inspect=127.0.0.1:${singleInspect}`]);
  const probe = await openSession(single.base);
  await listTools(single.base, probe);
  // The collection first, so that RSS is sampled after it too.
  const heapOne = await liveHeapMiB(singleInspect);
  const rssOne = await settledRssMiB(single.pid);
  await single.stop();

  const config = await writeConfig(SERVERS);
  const inspect = await freePort();
  const upStarted = performance.now();
  const gateway = await startGateway(config, [`--inspect=127.0.0.1:${inspect}`]);
  const upSeconds = (performance.now() - upStarted) / 1000;
  process.stderr.write(`scale: ${SERVERS} servers ready in ${upSeconds.toFixed(1)} s\n`);
  try {
    const containers = await containerMemoryMiB();
    const lister = await openSession(gateway.base);
    const coldStarted = performance.now();
    const tools = await listTools(gateway.base, lister);
    const coldMs = performance.now() - coldStarted;
    const warm: number[] = [];
    for (let i = 0; i < 100; i += 1) {
      const started = performance.now();
      await listTools(gateway.base, lister);
      warm.push(performance.now() - started);
    }
    const heapServers = await liveHeapMiB(inspect);
    const rssServers = await settledRssMiB(gateway.pid);

    const ids: string[] = [];
    const openStarted = performance.now();
    await bounded(Array.from({ length: SESSIONS }), 32, async () => {
      ids.push(await openSession(gateway.base));
    });
    const openSeconds = (performance.now() - openStarted) / 1000;
    const heapSessions = await liveHeapMiB(inspect);
    const rssSessions = await settledRssMiB(gateway.pid);
    const callTimes: number[] = [];
    const callsStarted = performance.now();
    await bounded(ids, 100, async (id, i) => {
      const started = performance.now();
      await callOnSession(gateway.base, id, i);
      callTimes.push(performance.now() - started);
    });
    const callsSeconds = (performance.now() - callsStarted) / 1000;

    const result = {
      servers: SERVERS,
      sessions: SESSIONS,
      upSeconds,
      gatewayRssOneServerMiB: rssOne,
      gatewayRssServersMiB: rssServers,
      gatewayMiBPerServer: (rssServers - rssOne) / (SERVERS - 1),
      gatewayHeapOneServerMiB: heapOne,
      gatewayHeapServersMiB: heapServers,
      gatewayHeapMiBPerServer: (heapServers - heapOne) / (SERVERS - 1),
      containerMiBPerServer: containers.reduce((a, b) => a + b, 0) / Math.max(1, containers.length),
      tools,
      toolsListColdMs: coldMs,
      toolsListP50Ms: percentile(warm, 50),
      toolsListP99Ms: percentile(warm, 99),
      sessionsOpenSeconds: openSeconds,
      gatewayRssSessionsMiB: rssSessions,
      gatewayHeapSessionsMiB: heapSessions,
      gatewayHeapKiBPerSession: ((heapSessions - heapServers) * 1024) / SESSIONS,
      callsPerSecondOverSessions: SESSIONS / callsSeconds,
      sessionCallP50Ms: percentile(callTimes, 50),
      sessionCallP99Ms: percentile(callTimes, 99),
    };
    const f = (v: number, d = 1): string => v.toFixed(d);
    const markdown = [
      `Scale: one gateway, ${SERVERS} servers (server-everything, stdio, a container each), ${SESSIONS} concurrent client sessions.`,
      '',
      '| figure | value |',
      '| --- | ---: |',
      `| ${SERVERS} servers from nothing to ready (8 at a time) | ${f(upSeconds)} s |`,
      `| gateway RSS, 1 server / ${SERVERS} servers | ${f(rssOne)} / ${f(rssServers)} MiB |`,
      `| gateway RSS per server | ${f(result.gatewayMiBPerServer, 2)} MiB |`,
      `| gateway live heap (after a full GC), 1 server / ${SERVERS} servers | ${f(heapOne)} / ${f(heapServers)} MiB |`,
      `| gateway live heap per server | ${f(result.gatewayHeapMiBPerServer, 2)} MiB |`,
      `| container memory per server (engine stats) | ${f(result.containerMiBPerServer)} MiB |`,
      `| tools/list on /mcp over ${SERVERS} servers (${tools} tools): first, cold | ${f(coldMs)} ms |`,
      `| tools/list, cached: p50 / p99 | ${f(result.toolsListP50Ms, 2)} / ${f(result.toolsListP99Ms, 2)} ms |`,
      `| ${SESSIONS} sessions opened (32 at a time) | ${f(openSeconds)} s |`,
      `| gateway live heap per open session | ${f(result.gatewayHeapKiBPerSession)} KiB |`,
      `| one tools/call on each of the ${SESSIONS} sessions (100 at a time) | ${f(result.callsPerSecondOverSessions, 0)} calls/s, p50 ${f(result.sessionCallP50Ms, 2)} ms, p99 ${f(result.sessionCallP99Ms, 2)} ms |`,
      '',
    ].join('\n');
    process.stdout.write(markdown);
    const dir = join(REPO, 'bench/results');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'scale.md'), markdown);
    await writeFile(join(dir, 'scale.json'), `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await gateway.stop();
  }
}
