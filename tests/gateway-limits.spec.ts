import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { Socket, createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { WebSocketClientTransport } from '@modelcontextprotocol/sdk/client/websocket.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { WebSocket } from 'ws';
import { FileTokenStore } from '@mcpman/core';
import { GrpcCallError, McpGrpcClient } from '@mcpman/gateway';
import { RuntimeHarness } from './helpers/runtime.js';
import { EVERYTHING, Workspace } from './helpers/workspace.js';
import { initializeRequest } from './helpers/mcp-wire.js';

const REPO = join(import.meta.dirname, '..');
const BIN = join(REPO, 'packages/cli/bin/mcpman.js');
const LIMIT = 5;

let wsHeaders: Record<string, string> = {};
(globalThis as { WebSocket?: unknown }).WebSocket = class extends WebSocket {
  constructor(url: string | URL, protocols?: string | string[]) {
    super(url, protocols, { headers: wsHeaders });
  }
};

/** What a rejected call looked like on the wire. */
interface Rejection {
  readonly retryAfterMs: number;
  /** HTTP status or gRPC status name, where the transport has one. */
  readonly status?: string;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once('error', () => {
      resolve(false);
    });
    socket.connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(true);
    });
  });
}

function modernCall(id: number, name: string, args: Record<string, unknown>): string {
  return JSON.stringify({
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: {
      name,
      arguments: args,
      _meta: {
        'io.modelcontextprotocol/protocolVersion': '2026-07-28',
        'io.modelcontextprotocol/clientCapabilities': {},
      },
    },
  });
}

/**
 * Rate limits against real servers: a burst over an identity's bucket is rejected on every
 * transport with 429 / RESOURCE_EXHAUSTED and `retryAfterMs`; and two real `mcpman up`
 * processes on one real Redis enforce one shared limit.
 */
describe('gateway rate limits', () => {
  describe('a burst on every transport', () => {
    let h: RuntimeHarness;
    let base: URL;
    const tokens: Record<string, string> = {};
    const clients: Client[] = [];

    beforeAll(async () => {
      h = await RuntimeHarness.create();
      const store = new FileTokenStore(h.workspace.path('state/tokens.json'));
      for (const kind of ['http', 'modern', 'sse', 'ws', 'grpc', 'bridge'])
        tokens[kind] = (await store.create({ name: kind })).token;
      base = await h.startGateway(
        `  alpha:\n    source: ${EVERYTHING}\n`,
        `{ auth: { mode: token }, rateLimit: { perIdentity: { requests: ${LIMIT}, per: 1m } } }`,
        { tokens: store },
      );
    });

    afterAll(async () => {
      for (const client of clients) await client.close().catch(() => undefined);
      await h.dispose();
    });

    /** Call echo until rejected; how many went through, and the rejection. */
    const burst = async (call: () => Promise<unknown>): Promise<{ ok: number; rejection: Rejection }> => {
      let ok = 0;
      for (let i = 0; i < LIMIT * 3; i++) {
        try {
          await call();
          ok += 1;
        } catch (error) {
          return { ok, rejection: rejectionOf(error) };
        }
      }
      throw new Error(`no rejection after ${LIMIT * 3} calls`);
    };

    const rejectionOf = (error: unknown): Rejection => {
      if (error instanceof GrpcCallError) {
        return {
          retryAfterMs: Number((error.rpc.data as { retryAfterMs?: unknown }).retryAfterMs),
          status: String(error.status),
        };
      }
      if (error instanceof McpError) {
        expect(error.code).toBe(-32032);
        return { retryAfterMs: Number((error.data as { retryAfterMs?: unknown }).retryAfterMs) };
      }
      // The SDK's HTTP transports put the status and the body in the message.
      const text = String(error);
      const status = /HTTP (\d{3})/.exec(text)?.[1];
      const retry = /"retryAfterMs":(\d+)/.exec(text)?.[1];
      return { retryAfterMs: Number(retry), ...(status === undefined ? {} : { status }) };
    };

    const sdkClient = async (transport: Transport): Promise<Client> => {
      const client = new Client({ name: 'limits-test', version: '1' });
      await client.connect(transport);
      clients.push(client);
      return client;
    };

    it('Streamable HTTP (2025 session): 429 with Retry-After and retryAfterMs', async () => {
      const headers = {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        authorization: `Bearer ${tokens['http'] ?? ''}`,
      };
      const init = await fetch(new URL('/mcp', base), {
        method: 'POST',
        headers,
        body: JSON.stringify(initializeRequest('x', 0)),
      });
      const session = init.headers.get('mcp-session-id') ?? '';
      let last: Response | undefined;
      let ok = 1; // initialize took a point
      for (let id = 1; id < LIMIT * 3; id++) {
        last = await fetch(new URL('/mcp', base), {
          method: 'POST',
          headers: { ...headers, 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' },
          body: JSON.stringify({
            jsonrpc: '2.0',
            id,
            method: 'tools/call',
            params: { name: 'alpha__echo', arguments: { message: 'x' } },
          }),
        });
        if (last.status !== 200) break;
        await last.text();
        ok += 1;
      }
      expect(ok).toBe(LIMIT);
      expect(last?.status).toBe(429);
      const retryAfter = Number(last?.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);
      const body = (await last?.json()) as {
        error: { code: number; data: { retryAfterMs: number; code: string } };
      };
      expect(body.error.code).toBe(-32032);
      expect(body.error.data.code).toBe('RATE_LIMITED');
      expect(body.error.data.retryAfterMs).toBeGreaterThan(0);
    });

    it('Streamable HTTP (2026-07-28 stateless): 429 with Retry-After and retryAfterMs', async () => {
      const { ok, rejection } = await burst(async () => {
        const response = await fetch(new URL('/mcp', base), {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            authorization: `Bearer ${tokens['modern'] ?? ''}`,
            'mcp-protocol-version': '2026-07-28',
            'mcp-method': 'tools/call',
            'mcp-name': 'alpha__echo',
          },
          body: modernCall(1, 'alpha__echo', { message: 'x' }),
        });
        if (response.status !== 200)
          throw new Error(
            `HTTP ${response.status} retry-after=${response.headers.get('retry-after') ?? ''} ${await response.text()}`,
          );
        await response.text();
      });
      expect(ok).toBe(LIMIT);
      expect(rejection.status).toBe('429');
      expect(rejection.retryAfterMs).toBeGreaterThan(0);
    });

    it('legacy SSE: the POST is answered 429 with retryAfterMs', async () => {
      const headers = { authorization: `Bearer ${tokens['sse'] ?? ''}` };
      const client = await sdkClient(
        // eslint-disable-next-line @typescript-eslint/no-deprecated
        new SSEClientTransport(new URL('/sse', base), {
          requestInit: { headers },
          eventSourceInit: {
            fetch: (url, init) => fetch(url, { ...init, headers: { ...init.headers, ...headers } }),
          },
        }),
      );
      const { ok, rejection } = await burst(() =>
        client.callTool({ name: 'alpha__echo', arguments: { message: 'x' } }),
      );
      expect(ok).toBe(LIMIT - 1); // initialize took one point
      expect(rejection.status).toBe('429');
      expect(rejection.retryAfterMs).toBeGreaterThan(0);
    });

    it('WebSocket: a JSON-RPC error -32032 with retryAfterMs', async () => {
      wsHeaders = { authorization: `Bearer ${tokens['ws'] ?? ''}` };
      const client = await sdkClient(new WebSocketClientTransport(new URL(`ws://${base.host}/ws`)));
      const { ok, rejection } = await burst(() =>
        client.callTool({ name: 'alpha__echo', arguments: { message: 'x' } }),
      );
      expect(ok).toBe(LIMIT - 1);
      expect(rejection.retryAfterMs).toBeGreaterThan(0);
    });

    it('gRPC: RESOURCE_EXHAUSTED carrying the JSON-RPC error with retryAfterMs', async () => {
      const grpc = new McpGrpcClient({ address: h.gateway!.grpcAddress!, token: tokens['grpc'] ?? '' });
      try {
        const { ok, rejection } = await burst(() => grpc.callTool('alpha__echo', { message: 'x' }));
        expect(ok).toBe(LIMIT);
        expect(rejection.status).toBe('8'); // RESOURCE_EXHAUSTED
        expect(rejection.retryAfterMs).toBeGreaterThan(0);
      } finally {
        grpc.close();
      }
    });

    it('stdio bridge: a JSON-RPC error -32032 with retryAfterMs', async () => {
      const client = await sdkClient(
        new StdioClientTransport({
          command: process.execPath,
          args: [BIN, 'connect', '--url', base.toString(), '--token', tokens['bridge'] ?? ''],
          stderr: 'pipe',
        }),
      );
      const { ok, rejection } = await burst(() =>
        client.callTool({ name: 'alpha__echo', arguments: { message: 'x' } }),
      );
      expect(ok).toBe(LIMIT - 1);
      expect(rejection.retryAfterMs).toBeGreaterThan(0);
    });
  });

  describe('two gateway processes on one Redis', () => {
    const SHARED = 60;
    let redis: ChildProcess | undefined;
    let workspace: Workspace;
    const managers: ChildProcess[] = [];
    const urls: URL[] = [];

    const startManager = async (index: number, config: string): Promise<URL> => {
      const child = spawn(process.execPath, [BIN, 'up', '-f', config], {
        env: { ...process.env, MCPMAN_STATE_DIR: workspace.path(`state-${index}`) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      managers.push(child);
      let output = '';
      return new Promise<URL>((resolve, reject) => {
        const onData = (chunk: Buffer): void => {
          output += chunk.toString();
          const match = /gateway at (http:\/\/[^ ]+)mcp/.exec(output);
          if (match?.[1] !== undefined) resolve(new URL(match[1]));
        };
        child.stdout.on('data', onData);
        child.stderr.on('data', onData);
        child.once('exit', (code) => {
          reject(new Error(`mcpman up exited with ${String(code)}:\n${output}`));
        });
      });
    };

    beforeAll(async () => {
      workspace = await Workspace.create();
      const port = await freePort();
      redis = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        {
          stdio: 'ignore',
        },
      );
      const config = await workspace.write(
        'mcpman.yaml',
        `version: 1
gateway:
  listen: 127.0.0.1:0
  grpc: { enabled: false }
  rateLimit:
    backend: redis
    redisUrl: redis://127.0.0.1:${port}
    perIdentity: { requests: ${SHARED}, per: 1m }
servers: {}
`,
      );
      // Redis answers within moments of starting; wait for its port before the gateways use it.
      const deadline = Date.now() + 10_000;
      while (!(await portOpen(port))) {
        if (Date.now() > deadline) throw new Error(`redis-server did not listen on ${port}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      urls.push(await startManager(1, config), await startManager(2, config));
    });

    afterAll(async () => {
      for (const child of managers) child.kill('SIGTERM');
      // Each manager removes what it created before it exits; wait for that.
      await Promise.all(
        managers.map(
          (child) =>
            new Promise((resolve) => {
              if (child.exitCode === null) child.once('exit', resolve);
              else resolve(undefined);
            }),
        ),
      );
      redis?.kill('SIGTERM');
      await workspace.dispose();
    });

    it(`hold one limit of ${SHARED} between them (within 10%)`, async () => {
      let accepted = 0;
      let rejected = 0;
      const perGateway = [0, 0];
      for (let i = 0; i < SHARED * 3; i++) {
        const gateway = i % 2;
        const response = await fetch(new URL('/mcp', urls[gateway]), {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json',
            'mcp-protocol-version': '2026-07-28',
            'mcp-method': 'server/discover',
          },
          body: JSON.stringify({
            jsonrpc: '2.0',
            id: i,
            method: 'server/discover',
            params: {
              _meta: {
                'io.modelcontextprotocol/protocolVersion': '2026-07-28',
                'io.modelcontextprotocol/clientCapabilities': {},
              },
            },
          }),
        });
        await response.text();
        if (response.status === 200) {
          accepted += 1;
          perGateway[gateway] = (perGateway[gateway] ?? 0) + 1;
        } else if (response.status === 429) rejected += 1;
      }
      console.log(
        `shared Redis limit ${SHARED}: accepted ${accepted} (${perGateway.join(' + ')}), rejected ${rejected}`,
      );
      expect(Math.abs(accepted - SHARED)).toBeLessThanOrEqual(SHARED * 0.1);
      expect(accepted + rejected).toBe(SHARED * 3);
      // Both gateways served, and neither alone could have let all of them through.
      expect(perGateway[0]).toBeGreaterThan(0);
      expect(perGateway[1]).toBeGreaterThan(0);
    });
  });
});
