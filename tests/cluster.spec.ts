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
