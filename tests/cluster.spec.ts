import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { cliEnv, mcpman, startForeground } from './helpers/cli.js';
import type { ForegroundManager } from './helpers/cli.js';
import { LocalRedis } from './helpers/redis.js';
import { HostEverything } from './helpers/remote-server.js';
import { Workspace } from './helpers/workspace.js';

const VERSION = '2025-11-25';

interface RpcAnswer {
  readonly status: number;
  readonly sessionId: string | undefined;
  readonly body: { result?: Record<string, unknown>; error?: { code: number; message: string } } | undefined;
}

/** One JSON-RPC message over Streamable HTTP, as any client sends it, to one replica. */
async function rpc(
  base: URL,
  token: string,
  message: Record<string, unknown>,
  sessionId?: string,
): Promise<RpcAnswer> {
  const response = await fetch(new URL('/mcp', base), {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      accept: 'application/json, text/event-stream',
      'content-type': 'application/json',
      'mcp-protocol-version': VERSION,
      ...(sessionId === undefined ? {} : { 'mcp-session-id': sessionId }),
    },
    body: JSON.stringify({ jsonrpc: '2.0', ...message }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  const json = response.headers.get('content-type')?.includes('text/event-stream')
    ? text
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5))
        .pop()
    : text;
  return {
    status: response.status,
    sessionId: response.headers.get('mcp-session-id') ?? undefined,
    body: json === undefined || json.trim() === '' ? undefined : (JSON.parse(json) as RpcAnswer['body']),
  };
}

function initialize(id = 1): Record<string, unknown> {
  return {
    id,
    method: 'initialize',
    params: {
      protocolVersion: VERSION,
      capabilities: {},
      clientInfo: { name: 'cluster-test', version: '1' },
    },
  };
}

/** A session opened (and acknowledged) on `base`; its id. */
async function openSession(base: URL, token: string): Promise<string> {
  const answer = await rpc(base, token, initialize());
  expect(answer.body?.error).toBeUndefined();
  const id = answer.sessionId ?? '';
  expect(id).not.toBe('');
  expect((await rpc(base, token, { method: 'notifications/initialized' }, id)).status).toBe(202);
  return id;
}

function echo(id: number, message: string): Record<string, unknown> {
  return { id, method: 'tools/call', params: { name: 'everything__echo', arguments: { message } } };
}

function textOf(answer: RpcAnswer): string {
  const content = (answer.body?.result?.['content'] ?? []) as { text?: string }[];
  return content.map((part) => part.text ?? '').join('');
}

interface SseEvent {
  readonly id: string | undefined;
  readonly data: string;
}

/** An SSE response read event by event, as a client reads it. */
class SseReader {
  private buffer = '';
  private readonly decoder = new TextDecoder();
  private constructor(private readonly reader: ReadableStreamDefaultReader<Uint8Array>) {}

  static of(response: Response): SseReader {
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    if (response.body === null) throw new Error('no body');
    return new SseReader(response.body.getReader());
  }

  /** The next event with data, or undefined when the stream ended. */
  async next(): Promise<SseEvent | undefined> {
    for (;;) {
      const end = this.buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        const lines = block.split('\n');
        const id = lines
          .find((line) => line.startsWith('id:'))
          ?.slice(3)
          .trim();
        const data = lines
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(5).trim())
          .join('\n');
        if (data !== '') return { id, data };
        continue;
      }
      const chunk = await this.reader.read();
      if (chunk.done) return undefined;
      this.buffer += this.decoder.decode(chunk.value, { stream: true });
    }
  }

  cancel(): Promise<void> {
    return this.reader.cancel();
  }
}

/** A tools/call that reports progress for a while, on an SSE response stream. */
async function longCall(
  base: URL,
  token: string,
  session: string,
  id: number,
  signal: AbortSignal,
): Promise<Response> {
  return fetch(new URL('/mcp', base), {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      accept: 'text/event-stream',
      'content-type': 'application/json',
      'mcp-protocol-version': VERSION,
      'mcp-session-id': session,
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id,
      method: 'tools/call',
      params: {
        name: 'everything__trigger-long-running-operation',
        arguments: { duration: 3, steps: 6 },
        _meta: { progressToken: `p${id}` },
      },
    }),
    signal,
  });
}

/** GET with Last-Event-ID: resume a cut stream, on whichever replica. */
function resume(base: URL, token: string, session: string, lastEventId: string): Promise<Response> {
  return fetch(new URL('/mcp', base), {
    headers: {
      authorization: `Bearer ${token}`,
      accept: 'text/event-stream',
      'mcp-protocol-version': VERSION,
      'mcp-session-id': session,
      'last-event-id': lastEventId,
    },
    signal: AbortSignal.timeout(20_000),
  });
}

/** Progress values and the final response of what a reader still delivers. */
async function drain(
  reader: SseReader,
): Promise<{ progress: number[]; response: Record<string, unknown> | undefined }> {
  const progress: number[] = [];
  let response: Record<string, unknown> | undefined;
  for (let event = await reader.next(); event !== undefined; event = await reader.next()) {
    const message = JSON.parse(event.data) as Record<string, unknown>;
    if (message['method'] === 'notifications/progress')
      progress.push((message['params'] as { progress: number }).progress);
    else if ('id' in message) response = message;
  }
  return { progress, response };
}

/**
 * Two `mcpman gateway` replicas of one config sharing a real Redis (gateway.state: redis), in
 * front of the real server-everything from npm: tokens, rate limits and session-era sessions
 * are the cluster's, not a replica's, and Redis going away gives clear errors, not hangs.
 */
describe('a gateway cluster sharing state in Redis', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  let workspace: Workspace;
  let redis: LocalRedis;
  let a: ForegroundManager;
  let b: ForegroundManager;
  let config: string;
  let token: string;
  const env = cliEnv();

  beforeAll(async () => {
    workspace = await Workspace.create();
    cleanups.push(() => workspace.dispose());
    redis = await LocalRedis.start(workspace.dir);
    cleanups.push(() => redis.stop());
    const everything = await HostEverything.start('streamableHttp');
    cleanups.push(() => everything.kill());
    config = await workspace.write(
      'mcpman.yaml',
      `version: 1
gateway:
  listen: 127.0.0.1:0
  grpc: { enabled: false }
  state: { backend: redis, redisUrl: "${redis.url}", keyPrefix: "test-${Date.now()}:" }
  auth: { mode: token }
  rateLimit: { perTool: { requests: 5, per: 1m } }
servers:
  everything: { url: "${everything.url}" }
`,
    );
    // Each replica has its own state folder, as each pod has its own disk: only Redis is shared.
    a = await startForeground(cliEnv(), ['gateway', '-f', config]);
    cleanups.push(() => a.stop());
    b = await startForeground(cliEnv(), ['gateway', '-f', config]);
    cleanups.push(() => b.stop());
    const created = await mcpman(env, ['token', 'create', 'cluster-client', '-f', config]);
    expect(created.code, created.stderr).toBe(0);
    token = created.stdout.trim();
    for (const replica of [a, b])
      await vi.waitFor(
        async () => {
          const answer = await rpc(replica.url, token, { id: 0, method: 'ping' });
          // Ping without a session is refused for want of a session, which means the token passed.
          expect(answer.status).not.toBe(401);
        },
        { timeout: 30_000, interval: 200 },
      );
  }, 120_000);

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  });

  it('serves on replica B a session initialized on replica A', async () => {
    const session = await openSession(a.url, token);
    const onB = await rpc(b.url, token, echo(2, 'from B'), session);
    expect(onB.body?.error).toBeUndefined();
    expect(textOf(onB)).toBe('Echo: from B');
    // Another client's token cannot ride on the session id.
    const other = (await mcpman(env, ['token', 'create', 'intruder', '-f', config])).stdout.trim();
    const stolen = await rpc(b.url, other, echo(3, 'x'), session);
    expect(stolen.status).toBe(404);
    // Ended on B, it is gone on A too.
    const ended = await fetch(new URL('/mcp', b.url), {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}`, 'mcp-session-id': session },
    });
    expect(ended.status).toBe(200);
    expect((await rpc(a.url, token, echo(4, 'gone'), session)).status).toBe(404);
  });

  it('refuses on replica B within a second a token revoked on replica A', async () => {
    const shortLived = (await mcpman(env, ['token', 'create', 'short-lived', '-f', config])).stdout.trim();
    expect((await rpc(b.url, shortLived, initialize())).status).toBe(200);
    const revoked = await mcpman(env, ['token', 'revoke', 'short-lived', '-f', config]);
    expect(revoked.code, revoked.stderr).toBe(0);
    const since = Date.now();
    await vi.waitFor(
      async () => {
        expect((await rpc(b.url, shortLived, initialize())).status).toBe(401);
      },
      { timeout: 1_000, interval: 50 },
    );
    expect(Date.now() - since).toBeLessThan(1_000);
    expect((await rpc(a.url, shortLived, initialize())).status).toBe(401);
  });

  it('enforces one rate limit across both replicas', async () => {
    const session = await openSession(a.url, token);
    const outcomes: string[] = [];
    for (let i = 0; i < 8; i += 1) {
      const replica = i % 2 === 0 ? a : b;
      const answer = await rpc(
        replica.url,
        token,
        {
          id: 10 + i,
          method: 'tools/call',
          params: { name: 'everything__get-sum', arguments: { a: i, b: 1 } },
        },
        session,
      );
      outcomes.push(answer.body?.error === undefined ? 'ok' : String(answer.body.error.code));
    }
    // Five calls of the tool in a minute for the whole cluster, not five for each replica.
    expect(outcomes).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', '-32032', '-32032', '-32032']);
  });

  it('resumes on replica B, with Last-Event-ID, a stream cut on replica A: the missed events and the rest', async () => {
    const session = await openSession(a.url, token);
    const cut = new AbortController();
    const onA = SseReader.of(await longCall(a.url, token, session, 20, cut.signal));
    const seen: number[] = [];
    let last: string | undefined;
    while (seen.length < 2) {
      const event = await onA.next();
      if (event === undefined) throw new Error('the stream ended early');
      last = event.id ?? last;
      const message = JSON.parse(event.data) as { method?: string; params?: { progress: number } };
      if (message.method === 'notifications/progress' && message.params !== undefined)
        seen.push(message.params.progress);
    }
    cut.abort();
    const rest = await drain(SseReader.of(await resume(b.url, token, session, last ?? '')));
    expect([...seen, ...rest.progress]).toEqual([1, 2, 3, 4, 5, 6]);
    expect(rest.response).toMatchObject({ jsonrpc: '2.0', id: 20, result: { content: [{ type: 'text' }] } });
  });

  it('answers on replica B, within seconds, a request whose replica was killed mid-stream', async () => {
    const c = await startForeground(cliEnv(), ['gateway', '-f', config]);
    cleanups.push(() => c.kill());
    await vi.waitFor(
      async () => {
        expect((await fetch(new URL('/readyz', c.url))).status).toBe(200);
      },
      { timeout: 30_000, interval: 100 },
    );
    const session = await openSession(a.url, token);
    const onC = SseReader.of(await longCall(c.url, token, session, 30, AbortSignal.timeout(20_000)));
    let last: string | undefined;
    const got: string[] = [];
    for (let progress = 0; progress < 1;) {
      const event = await onC.next();
      if (event === undefined) throw new Error(`the stream ended early: ${got.join(' | ')}`);
      got.push(event.data);
      last = event.id ?? last;
      if ((JSON.parse(event.data) as { method?: string }).method === 'notifications/progress') progress += 1;
    }
    await c.kill();
    const started = Date.now();
    const rest = await drain(SseReader.of(await resume(b.url, token, session, last ?? '')));
    expect(Date.now() - started).toBeLessThan(10_000);
    // What C wrote before it died is replayed; the answer it never gave is a clear error.
    expect(rest.progress.every((value) => value >= 2)).toBe(true);
    expect(rest.response).toMatchObject({
      id: 30,
      error: { message: expect.stringContaining('replica answering this request stopped') as unknown },
    });
  });

  it('gives clear errors within a second while Redis is away, keeps serving what needs no shared state, and recovers', async () => {
    const known = await openSession(a.url, token);
    const onlyOnA = await openSession(a.url, token);
    redis.pause();
    try {
      // A session this replica has, with a token it verified: served without Redis.
      const kept = await rpc(a.url, token, echo(20, 'still here'), known);
      expect(textOf(kept)).toBe('Echo: still here');
      // What needs the shared state fails at once, with its own code, instead of hanging.
      let started = Date.now();
      const fresh = await rpc(b.url, token, initialize());
      expect(Date.now() - started).toBeLessThan(1_500);
      expect(fresh.status).toBe(503);
      expect(fresh.body?.error?.code).toBe(-32039);
      expect(fresh.body?.error?.message).toMatch(/shared state.*Redis at 127\.0\.0\.1:\d+ did not answer/);
      started = Date.now();
      const elsewhere = await rpc(b.url, token, echo(21, 'x'), onlyOnA);
      expect(Date.now() - started).toBeLessThan(1_500);
      expect(elsewhere.body?.error?.code).toBe(-32039);
    } finally {
      redis.resume();
    }
    // Stopped outright (connections refused) and started again: service comes back by itself.
    await redis.stop();
    const refused = await rpc(b.url, token, initialize());
    expect(refused.body?.error?.code).toBe(-32039);
    await redis.restart();
    await vi.waitFor(
      async () => {
        expect((await rpc(b.url, token, initialize())).status).toBe(200);
      },
      { timeout: 10_000, interval: 100 },
    );
    // Sessions kept in Redis across its restart: A's session is served on B.
    expect((await rpc(b.url, token, { id: 22, method: 'ping' }, onlyOnA)).body?.error).toBeUndefined();
  });
});
