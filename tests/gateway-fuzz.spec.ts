import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Socket, createConnection } from 'node:net';
import * as http2 from 'node:http2';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { WebSocket } from 'ws';
import { status as grpcStatus } from '@grpc/grpc-js';
import { GrpcCallError, McpGrpcClient } from '@mcpman/gateway';
import { FuzzTally, malformedMessages, malformedRequests } from './helpers/fuzz.js';
import type { FuzzCase, RawRequest } from './helpers/fuzz.js';
import { sweep } from './helpers/podman.js';
import { EVERYTHING, Workspace } from './helpers/workspace.js';
import { initializeRequest } from './helpers/mcp-wire.js';
import { daemonRecord } from './helpers/cli.js';

const REPO = join(import.meta.dirname, '..');
const EVERYTHING_BIN = createRequire(import.meta.url).resolve(
  '@modelcontextprotocol/server-everything/dist/index.js',
);

function connectTcp(port: number): Socket {
  return createConnection({ host: '127.0.0.1', port });
}

function connectUnix(path: string): Socket {
  return createConnection({ path });
}
const BIN = join(REPO, 'packages/cli/bin/mcpman.js');
const CASES = 10_000;
const MAX_BYTES = 64 * 1024;
/** How much the gateway's RSS may grow over the whole run before we call it a leak. */
const RSS_BOUND_MB = 150;
/** gRPC statuses that mean the gateway failed rather than refused. */
const SERVER_FAULTS = new Set<number>([grpcStatus.INTERNAL, grpcStatus.UNKNOWN]);
const INVALID_ARGUMENT: number = grpcStatus.INVALID_ARGUMENT;
const RESOURCE_EXHAUSTED: number = grpcStatus.RESOURCE_EXHAUSTED;

function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0) / 1024;
}

/** Run `work` over `items` with at most `limit` at once. */
async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const item = items[next++];
        if (item !== undefined) await work(item);
      }
    }),
  );
}

interface RpcAnswer {
  readonly id?: unknown;
  readonly error?: { readonly code: number };
}

function answersIn(text: string): RpcAnswer[] {
  try {
    const parsed: unknown = JSON.parse(text);
    return (Array.isArray(parsed) ? parsed : [parsed]) as RpcAnswer[];
  } catch {
    return [];
  }
}

/** The manager's JavaScript heap limit: garbage is collected within it, and a leak ends the run. */
const HEAP_MB = 384;
/** Calls of the busy session, each answered on its own SSE stream. */
const BUSY_CALLS = 8_000;

/** Requests per listener in the path and header fuzzing. */
const REQUESTS = 5_000;

/**
 * Send one raw request and read the status line of the answer; a server that closes the
 * connection without one (after a 400 of Node's own parser, say) answers 0. A request nothing
 * answers within 10 s fails the run: nothing may hang.
 */
function exchange(connect: () => Socket, request: RawRequest): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect();
    let head = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within 10 s to:\n${request.text.slice(0, 300)}`));
    }, 10_000);
    const done = (status: number): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(status);
    };
    socket.on('data', (chunk: Buffer) => {
      head += chunk.toString('latin1');
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(head);
      if (match?.[1] !== undefined) done(Number(match[1]));
    });
    socket.once('close', () => {
      done(0);
    });
    socket.once('error', () => undefined);
    socket.write(request.text);
  });
}

/** Fuzz one HTTP listener with hostile requests; returns the statuses that mean a fault (5xx). */
async function fuzzRequests(
  name: string,
  connect: () => Socket,
  host: string,
  seed: number,
): Promise<{ faults: string[]; answered: number }> {
  const faults: string[] = [];
  let answered = 0;
  const statuses = new Map<number, number>();
  await pool(malformedRequests(REQUESTS, seed, host), 16, async (request) => {
    const status = await exchange(connect, request);
    answered += 1;
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    if (status >= 500) faults.push(`${status} for ${request.text.split('\r\n')[0] ?? ''}`);
  });
  const counts = [...statuses.entries()]
    .sort(([a], [b]) => a - b)
    .map(([status, n]) => `${status === 0 ? 'closed' : status} ${n}`)
    .join(', ');
  console.log(
    `fuzz ${name} paths and headers: ${answered} requests; answers ${counts}; faults: ${faults.length}`,
  );
  return { faults, answered };
}

/** Open a raw TCP connection, send a fragment, half-close, and wait for the server to close. */
function halfClose(port: number, fragment: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`port ${port} kept a half-closed connection open`));
    }, 10_000);
    socket.on('data', () => undefined);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once('error', () => undefined);
    socket.connect(port, '127.0.0.1', () => {
      socket.end(fragment);
    });
  });
}

/**
 * At least 10,000 malformed messages per transport against a real `mcpman up` process with a
 * real server: broken JSON, wrong types, huge ids, deep nesting, oversized bodies, invalid
 * UTF-8, unknown methods, junk batches and half-closed sockets. The gateway answers each with
 * the right error, never crashes, stays within a memory bound, and serves a well-behaved
 * client throughout.
 */
describe('fuzzing the gateway with malformed input on every transport', () => {
  let workspace: Workspace;
  let manager: ChildProcess;
  let base: URL;
  let grpcAddress = '';
  let rssBefore = 0;
  let good: Client;
  let goodCalls = 0;
  const goodFailures: string[] = [];
  let goodLoop: Promise<void> | undefined;
  let stopGood = false;
  // Transports that send oversized messages apart (or not at all) draw a few more cases so that
  // at least CASES go through the main connection.
  const cases = (seed: number, count = CASES): FuzzCase[] => malformedMessages(count, seed, MAX_BYTES);

  beforeAll(async () => {
    await sweep();
    workspace = await Workspace.create();
    const config = await workspace.write(
      'mcpman.yaml',
      `version: 1
gateway:
  listen: 127.0.0.1:0
  grpc: { listen: 127.0.0.1:0 }
  maxRequestBytes: ${MAX_BYTES}
  audit: { enabled: false }
servers:
  alpha:
    source: ${EVERYTHING}
`,
    );
    manager = spawn(process.execPath, [`--max-old-space-size=${HEAP_MB}`, BIN, 'up', '-f', config], {
      env: { ...process.env, MCPMAN_STATE_DIR: workspace.path('state') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer): void => {
        output += chunk.toString();
        const match = /gateway at (http:\/\/\S+?)mcp and grpc:\/\/(\S+),/.exec(output);
        if (match?.[1] !== undefined && match[2] !== undefined) {
          base = new URL(match[1]);
          grpcAddress = match[2];
        }
        if (/1\/1 servers ready/.test(output)) resolve();
      };
      manager.stdout?.on('data', onData);
      manager.stderr?.on('data', onData);
      manager.once('exit', (code) => {
        reject(new Error(`mcpman up exited with ${String(code)}:\n${output}`));
      });
    });
    good = new Client({ name: 'well-behaved', version: '1' });
    await good.connect(new StreamableHTTPClientTransport(new URL('/mcp', base)));
    rssBefore = rssMb(manager.pid ?? 0);
    goodLoop = (async () => {
      while (!stopGood) {
        try {
          const result = await good.callTool({
            name: 'alpha__echo',
            arguments: { message: `good ${goodCalls}` },
          });
          if (JSON.stringify(result.content).includes(`good ${goodCalls}`)) goodCalls += 1;
          else goodFailures.push(JSON.stringify(result));
        } catch (error) {
          goodFailures.push(String(error));
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
  }, 300_000);

  afterAll(async () => {
    stopGood = true;
    await goodLoop;
    await good.close().catch(() => undefined);
    manager.kill('SIGTERM');
    if (manager.exitCode === null) await new Promise((resolve) => manager.once('exit', resolve));
    await sweep();
    await workspace.dispose();
  });

  const expectAlive = (): void => {
    expect(manager.exitCode).toBeNull();
    expect(goodFailures).toEqual([]);
  };

  it('Streamable HTTP: every case gets the right status and JSON-RPC error', async () => {
    const init = await fetch(new URL('/mcp', base), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(initializeRequest('fuzz', 0)),
    });
    const session = init.headers.get('mcp-session-id') ?? '';
    const tally = new FuzzTally();
    const wrong: string[] = [];
    await pool(cases(1), 16, async ({ kind, body }) => {
      tally.record(kind);
      const response = await fetch(new URL('/mcp', base), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          'mcp-session-id': session,
          'mcp-protocol-version': '2025-11-25',
        },
        body,
      });
      const answers = answersIn(await response.text());
      if (response.status >= 500) tally.crashes += 1;
      if (response.status >= 400 || answers.some((a) => a.error !== undefined)) tally.errors += 1;
      const code = answers[0]?.error?.code;
      const expected =
        kind === 'broken-json'
          ? response.status === 400 && code === -32700
          : kind === 'oversized'
            ? response.status === 413
            : kind === 'unknown-method'
              ? response.status === 200 && code === -32601
              : response.status < 500;
      if (!expected) wrong.push(`${kind}: HTTP ${response.status} ${JSON.stringify(answers[0] ?? null)}`);
    });
    console.log(tally.line('streamable-http'));
    expect(tally.sent).toBeGreaterThanOrEqual(CASES);
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(tally.crashes).toBe(0);
    expectAlive();
  });

  it('legacy SSE: bad POSTs are refused, the rest answered on the stream', async () => {
    const abort = new AbortController();
    const stream = await fetch(new URL('/sse', base), {
      headers: { accept: 'text/event-stream' },
      signal: abort.signal,
    });
    const reader = stream.body!.getReader();
    const decoder = new TextDecoder();
    let buffered = '';
    let endpoint = '';
    let streamErrors = 0;
    const drained = (async () => {
      for (;;) {
        const chunk = await reader.read().catch(() => undefined);
        if (chunk === undefined || chunk.done) return;
        buffered += decoder.decode(chunk.value as Uint8Array, { stream: true });
        const events = buffered.split('\n\n');
        buffered = events.pop() ?? '';
        for (const event of events) {
          const data = /^data: (.*)$/m.exec(event)?.[1] ?? '';
          if (event.includes('event: endpoint')) endpoint = data;
          else if (data.includes('"error"')) streamErrors += 1;
        }
      }
    })();
    await expect.poll(() => endpoint).not.toBe('');
    const tally = new FuzzTally();
    const wrong: string[] = [];
    await pool(cases(2), 16, async ({ kind, body }) => {
      tally.record(kind);
      const response = await fetch(new URL(endpoint, base), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      await response.text();
      if (response.status >= 500) tally.crashes += 1;
      if (response.status >= 400) tally.errors += 1;
      const expected =
        kind === 'broken-json'
          ? response.status === 400
          : kind === 'oversized'
            ? response.status === 413
            : response.status < 500;
      if (!expected) wrong.push(`${kind}: HTTP ${response.status}`);
    });
    await expect.poll(() => streamErrors, { timeout: 20_000 }).toBeGreaterThan(0);
    tally.errors += streamErrors;
    abort.abort();
    await drained;
    console.log(tally.line('sse'));
    expect(tally.sent).toBeGreaterThanOrEqual(CASES);
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(tally.crashes).toBe(0);
    expectAlive();
  });

  it('WebSocket: parse errors for every broken message, oversized frames close only their socket', async () => {
    const tally = new FuzzTally();
    const open = async (): Promise<{ ws: WebSocket; answers: RpcAnswer[]; closed: Promise<number> }> => {
      const ws = new WebSocket(`ws://${base.host}/ws`, 'mcp');
      const answers: RpcAnswer[] = [];
      ws.on('message', (data: Buffer) => answers.push(...answersIn(data.toString())));
      const closed = new Promise<number>((resolve) =>
        ws.once('close', (code) => {
          resolve(code);
        }),
      );
      await new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      });
      return { ws, answers, closed };
    };
    const all = cases(3, CASES + 400);
    const main = await open();
    let broken = 0;
    for (const { kind, body } of all) {
      if (kind === 'oversized') continue;
      tally.record(kind);
      if (kind === 'broken-json') broken += 1;
      // Text frames must be UTF-8 (a peer sending otherwise is closed by the protocol): invalid
      // UTF-8 goes as binary, which the gateway decodes itself.
      main.ws.send(body, { binary: kind === 'invalid-utf8' });
    }
    main.ws.send(JSON.stringify({ jsonrpc: '2.0', id: 'final', method: 'ping' }));
    await expect.poll(() => main.answers.some((a) => a.id === 'final'), { timeout: 60_000 }).toBe(true);
    const parseErrors = main.answers.filter((a) => a.error?.code === -32700).length;
    expect(parseErrors).toBeGreaterThanOrEqual(broken);
    expect(main.answers.filter((a) => a.error?.code === -32601).length).toBeGreaterThan(0);
    tally.errors += main.answers.filter((a) => a.error !== undefined).length;
    main.ws.close();
    for (const { kind, body } of all.filter((c) => c.kind === 'oversized').slice(0, 50)) {
      tally.record(kind);
      const single = await open();
      single.ws.send(body);
      expect(await single.closed).toBe(1009); // Message Too Big
      tally.errors += 1;
    }
    console.log(tally.line('websocket'));
    expect(tally.sent).toBeGreaterThanOrEqual(CASES);
    expectAlive();
  });

  it('gRPC: bad frames on a Session stream and bad fields on unary calls get the right status', async () => {
    const client = new McpGrpcClient({ address: grpcAddress });
    const tally = new FuzzTally();
    const all = cases(4, CASES + 400);
    const session = client.openSession();
    const answers: RpcAnswer[] = [];
    session.onMessage((message) => answers.push(message as RpcAnswer));
    let broken = 0;
    const unary = all.filter((_c, i) => i % 2 === 1);
    for (const [index, { kind, body }] of all.entries()) {
      if (index % 2 === 1 || kind === 'oversized') continue;
      tally.record(kind);
      if (kind === 'broken-json') broken += 1;
      session.sendJson(body.toString('utf8'));
    }
    const wrongStatus: string[] = [];
    await pool(unary, 8, async ({ kind, body }) => {
      tally.record(kind);
      try {
        await client.callToolJson('alpha__echo', body.toString('utf8'));
      } catch (error) {
        tally.errors += 1;
        if (!(error instanceof GrpcCallError)) wrongStatus.push(`${kind}: ${String(error)}`);
        else if (SERVER_FAULTS.has(error.status)) tally.crashes += 1;
        else if (kind === 'broken-json' && error.status !== INVALID_ARGUMENT)
          wrongStatus.push(`${kind}: status ${error.status}`);
        else if (kind === 'oversized' && error.status !== RESOURCE_EXHAUSTED)
          wrongStatus.push(`${kind}: status ${error.status}`);
      }
    });
    const final = await session.request('ping');
    expect(final).toEqual({});
    expect(answers.filter((a) => a.error?.code === -32700).length).toBeGreaterThanOrEqual(broken);
    tally.errors += answers.filter((a) => a.error !== undefined).length;
    await session.close();
    client.close();
    console.log(tally.line('grpc'));
    expect(broken).toBeGreaterThan(0);
    expect(wrongStatus).toEqual([]);
    expect(tally.sent).toBeGreaterThanOrEqual(CASES);
    expect(tally.crashes).toBe(0);
    expectAlive();
  });

  it('stdio bridge: every broken line is answered, the bridge keeps going', async () => {
    const bridge = spawn(process.execPath, [BIN, 'connect', '--url', base.toString()], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const answers: RpcAnswer[] = [];
    createInterface({ input: bridge.stdout }).on('line', (line) => answers.push(...answersIn(line)));
    const tally = new FuzzTally();
    let broken = 0;
    for (const { kind, body } of cases(5, CASES + 400)) {
      // The bridge is line-based: an oversized line would be the WebSocket's 1009 again.
      if (kind === 'oversized') continue;
      tally.record(kind);
      const line = body.toString('utf8').replace(/[\r\n]/g, ' ');
      if (kind === 'broken-json') broken += 1;
      if (!bridge.stdin.write(`${line}\n`))
        await new Promise((resolve) => bridge.stdin.once('drain', resolve));
    }
    bridge.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 'final', method: 'ping' })}\n`);
    await expect.poll(() => answers.some((a) => a.id === 'final'), { timeout: 60_000 }).toBe(true);
    expect(answers.filter((a) => a.error?.code === -32700).length).toBeGreaterThanOrEqual(broken);
    tally.errors += answers.filter((a) => a.error !== undefined).length;
    bridge.stdin.end();
    await new Promise((resolve) => bridge.once('exit', resolve));
    console.log(tally.line('stdio-bridge'));
    expect(tally.sent).toBeGreaterThanOrEqual(CASES);
    expectAlive();
  });

  it('half-closed sockets on the HTTP, WebSocket and gRPC ports are closed, not kept', async () => {
    const grpcPort = Number(grpcAddress.split(':').pop());
    const fragments = [
      {
        port: Number(base.port),
        text: 'POST /mcp HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"jsonrpc":',
      },
      {
        port: Number(base.port),
        text: 'GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: mcp\r\n\r\n\x81\xfe',
      },
      { port: Number(base.port), text: 'POST /mes' },
      { port: grpcPort, text: 'PRI * HTTP/2.0\r\n\r\nSM\r\n' },
    ];
    let closed = 0;
    await pool(Array.from({ length: 100 }, () => fragments).flat(), 20, async ({ port, text }) => {
      await halfClose(port, text);
      closed += 1;
    });
    console.log(`fuzz half-closed sockets: ${closed} of 400 closed by the gateway; crashes: 0`);
    expect(closed).toBe(400);
    expectAlive();
  });

  it('paths, query strings, headers and upgrade requests on the HTTP listener: 4xx, never a crash', async () => {
    const port = Number(base.port);
    const { faults, answered } = await fuzzRequests('http', () => connectTcp(port), `127.0.0.1:${port}`, 11);
    expect(answered).toBe(REQUESTS);
    expect(faults.slice(0, 5)).toEqual([]);
    expectAlive();
  });

  it('paths and headers on the owner-only control socket', async () => {
    const socketPath = (await daemonRecord({ MCPMAN_STATE_DIR: workspace.path('state') }))?.socket;
    expect(socketPath).toBeDefined();
    const { faults, answered } = await fuzzRequests(
      'control socket',
      () => connectUnix(socketPath ?? ''),
      'localhost',
      12,
    );
    expect(answered).toBe(REQUESTS);
    expect(faults.slice(0, 5)).toEqual([]);
    expectAlive();
  });

  it('paths, headers and bodies of raw HTTP/2 requests on the gRPC listener', async () => {
    const session = http2.connect(`http://${grpcAddress}`);
    session.on('error', () => undefined);
    const requests = fc.sample(
      fc.record({
        path: fc.oneof(
          fc.constantFrom(
            '/mcpman.v1.Mcp/CallTool',
            '/mcpman.v1.Mcp/Session',
            '/mcpman.v1.Mcp/Listen',
            '/mcpman.v1.Mcp/%E0',
            '/',
            '/x/y/z',
          ),
          fc.string({ minLength: 1, maxLength: 80 }).map((p) => `/${encodeURIComponent(p)}`),
        ),
        contentType: fc.constantFrom('application/grpc', 'application/grpc+proto', 'text/plain', ''),
        metadata: fc.array(
          fc.tuple(
            fc.constantFrom(
              'mcp-session-id',
              'authorization',
              'grpc-timeout',
              'traceparent',
              'x-junk',
              'mcp-server',
            ),
            fc.string({ maxLength: 40 }).map((v) => v.replace(/[^\x20-\x7e]/g, '')),
          ),
          { maxLength: 5 },
        ),
        body: fc.uint8Array({ maxLength: 64 }),
        length: fc.oneof(fc.constant(-1), fc.nat({ max: 0xffffffff })),
      }),
      { numRuns: REQUESTS, seed: 13 },
    );
    let answered = 0;
    const statuses = new Set<number>();
    await pool(requests, 16, async ({ path, contentType, metadata, body, length }) => {
      const headers: http2.OutgoingHttpHeaders = { ':method': 'POST', ':path': path, te: 'trailers' };
      if (contentType !== '') headers['content-type'] = contentType;
      for (const [key, value] of metadata) headers[key] = value;
      // A gRPC frame: compressed flag, a declared length (maybe a lie), then bytes.
      const frame = Buffer.alloc(5 + body.length);
      frame.writeUInt32BE(length < 0 ? body.length : length, 1);
      Buffer.from(body).copy(frame, 5);
      await new Promise<void>((resolve) => {
        const stream = session.request(headers);
        const timer = setTimeout(() => {
          stream.close();
          resolve();
        }, 10_000);
        const finish = (): void => {
          clearTimeout(timer);
          answered += 1;
          resolve();
        };
        stream.on('response', (head) => statuses.add(Number(head[':status'])));
        stream.on('data', () => undefined);
        stream.on('close', finish);
        stream.on('error', () => undefined);
        stream.end(frame);
      });
    });
    session.close();
    console.log(
      `fuzz grpc paths and metadata: ${answered} requests; HTTP statuses ${[...statuses].join(', ')}`,
    );
    expect(answered).toBe(REQUESTS);
    expectAlive();
  });

  it('paths and headers on a stdio bridge (the listener in a Kubernetes server pod)', async () => {
    const bridge = spawn(
      process.execPath,
      [
        BIN,
        'stdio-bridge',
        '--host',
        '127.0.0.1',
        '-p',
        '0',
        '--',
        process.execPath,
        EVERYTHING_BIN,
        'stdio',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let text = '';
        bridge.stderr.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          const match = /on http:\/\/127\.0\.0\.1:(\d+)\//.exec(text);
          if (match?.[1] !== undefined) resolve(Number(match[1]));
        });
        bridge.once('exit', (code) => {
          reject(new Error(`stdio-bridge exited with ${String(code)}: ${text}`));
        });
      });
      const { faults, answered } = await fuzzRequests(
        'stdio-bridge',
        () => connectTcp(port),
        `127.0.0.1:${port}`,
        14,
      );
      expect(answered).toBe(REQUESTS);
      expect(faults.slice(0, 5)).toEqual([]);
      expect(bridge.exitCode).toBeNull();
    } finally {
      bridge.kill('SIGTERM');
      if (bridge.exitCode === null) await new Promise((resolve) => bridge.once('exit', resolve));
    }
  });

  it('keeps memory bounded under one long-lived busy session whose answers all stream (SSE)', async () => {
    const init = await fetch(new URL('/mcp', base), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(initializeRequest('busy', 0)),
    });
    const session = init.headers.get('mcp-session-id') ?? '';
    await fetch(new URL('/mcp', base), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'mcp-session-id': session },
      body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
    });
    const message = 'x'.repeat(40_000);
    const before = rssMb(manager.pid ?? 0);
    let answered = 0;
    // 8,000 answers of about 40 kB, each on a resumable SSE stream of the same session. Kept for
    // the life of the session they would be 320 MB and more: past the manager's heap limit
    // (HEAP_MB), so a leak ends the process rather than hiding in a large heap.
    await pool(
      Array.from({ length: BUSY_CALLS }, (_v, i) => i + 1),
      8,
      async (id) => {
        const response = await fetch(new URL('/mcp', base), {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'text/event-stream',
            'mcp-session-id': session,
            'mcp-protocol-version': '2025-11-25',
          },
          body: JSON.stringify({
            jsonrpc: '2.0',
            id,
            method: 'tools/call',
            params: { name: 'alpha__echo', arguments: { message } },
          }),
        });
        const text = await response.text();
        if (response.status === 200 && text.includes(`"id":${id}`)) answered += 1;
      },
    );
    const after = rssMb(manager.pid ?? 0);
    console.log(
      `busy session: ${answered} streamed answers of 40 kB; gateway RSS ${before.toFixed(0)} MB before, ${after.toFixed(0)} MB after (heap limit ${HEAP_MB} MB)`,
    );
    expect(answered).toBe(BUSY_CALLS);
    expect(after).toBeLessThan(HEAP_MB + 200);
    expectAlive();
  });

  it('keeps its memory within a bound and served the well-behaved client throughout', async () => {
    await expect.poll(() => goodCalls, { timeout: 10_000 }).toBeGreaterThan(50);
    const rssAfter = rssMb(manager.pid ?? 0);
    console.log(
      `fuzz memory: gateway RSS ${rssBefore.toFixed(0)} MB before, ${rssAfter.toFixed(0)} MB after; well-behaved client: ${goodCalls} calls, ${goodFailures.length} failures`,
    );
    expect(rssAfter - rssBefore).toBeLessThan(RSS_BOUND_MB);
    expectAlive();
  });
});
