import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JsonRpcErrorCode } from '@mcpman/protocol';
import { RuntimeHarness } from './helpers/runtime.js';
import { EVERYTHING } from './helpers/workspace.js';
import { initializeRequest } from './helpers/mcp-wire.js';

interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  readonly json: unknown;
}

const MODERN = '2026-07-28';

/**
 * Streamable HTTP as it looks on the wire, for what SDK clients never send: malformed requests,
 * missing sessions, 2026-07-28 header rules, origins, sizes, resumption, compression.
 */
describe('the Streamable HTTP endpoint on the wire', () => {
  let h: RuntimeHarness;
  let base: URL;

  const post = async (path: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> => {
    const response = await fetch(new URL(path, base), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...headers,
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, headers: Object.fromEntries(response.headers), body: text, json };
  };

  const modern = (method: string, params: Record<string, unknown> = {}, id = 1) => ({
    jsonrpc: '2.0',
    id,
    method,
    params: {
      ...params,
      _meta: {
        'io.modelcontextprotocol/protocolVersion': MODERN,
        'io.modelcontextprotocol/clientCapabilities': {},
        'io.modelcontextprotocol/clientInfo': { name: 'wire', version: '1' },
      },
    },
  });

  const modernHeaders = (method: string, name?: string): Record<string, string> => ({
    'mcp-protocol-version': MODERN,
    'mcp-method': method,
    ...(name === undefined ? {} : { 'mcp-name': name }),
  });

  const initialize = async (path = '/servers/everything/mcp'): Promise<string> => {
    const reply = await post(path, initializeRequest('wire', 0));
    expect(reply.status).toBe(200);
    const id = reply.headers['mcp-session-id'];
    expect(typeof id).toBe('string');
    await post(
      path,
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { 'mcp-session-id': String(id) },
    );
    return String(id);
  };

  beforeAll(async () => {
    h = await RuntimeHarness.create();
    base = await h.startGateway(
      `  everything:\n    source: ${EVERYTHING}\n`,
      '{ maxRequestBytes: 64Ki, allowedOrigins: [https://app.example] }',
    );
  });

  afterAll(async () => {
    await h.dispose();
  });

  describe('malformed requests get the right error', () => {
    it('answers broken JSON with 400 and -32700', async () => {
      const reply = await post('/servers/everything/mcp', '{"jsonrpc":"2.0",');
      expect(reply.status).toBe(400);
      expect(reply.json).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700 } });
    });

    it('answers a body over the limit with 413', async () => {
      const reply = await post('/servers/everything/mcp', {
        jsonrpc: '2.0',
        id: 1,
        method: 'ping',
        params: { pad: 'x'.repeat(70_000) },
      });
      expect(reply.status).toBe(413);
      expect(reply.json).toMatchObject({ error: { message: 'request body is larger than 65536 bytes' } });
    });

    it('refuses other content types (415) and clients that accept neither JSON nor SSE (406)', async () => {
      expect((await post('/servers/everything/mcp', '{}', { 'content-type': 'text/plain' })).status).toBe(
        415,
      );
      expect((await post('/servers/everything/mcp', '{}', { accept: 'text/html' })).status).toBe(406);
    });

    it('answers a request that is not JSON-RPC with -32600, keeping its id', async () => {
      const session = await initialize();
      const reply = await post(
        '/servers/everything/mcp',
        { jsonrpc: '1.0', id: 5, method: 'ping' },
        { 'mcp-session-id': session },
      );
      expect(reply.json).toMatchObject({ id: 5, error: { code: -32600 } });
    });

    it('answers an unknown method with -32601', async () => {
      const session = await initialize('/mcp');
      const reply = await post(
        '/mcp',
        { jsonrpc: '2.0', id: 9, method: 'no/such', params: {} },
        { 'mcp-session-id': session },
      );
      expect(reply.json).toMatchObject({ id: 9, error: { code: -32601 } });
    });
  });

  describe('legacy sessions', () => {
    it('needs the session header (400), knows an unknown or deleted one (404)', async () => {
      expect((await post('/servers/everything/mcp', { jsonrpc: '2.0', id: 1, method: 'ping' })).status).toBe(
        400,
      );
      const unknown = await post(
        '/servers/everything/mcp',
        { jsonrpc: '2.0', id: 1, method: 'ping' },
        { 'mcp-session-id': 'nope' },
      );
      expect(unknown.status).toBe(404);
      // The same code as gRPC gives for an unknown session (gateway-grpc.spec.ts).
      expect(unknown.json).toMatchObject({
        error: { code: JsonRpcErrorCode.SessionNotFound, data: { code: 'SESSION_NOT_FOUND' } },
      });
      const session = await initialize();
      expect(
        (
          await post(
            '/servers/everything/mcp',
            { jsonrpc: '2.0', id: 1, method: 'ping' },
            { 'mcp-session-id': session },
          )
        ).json,
      ).toEqual({ jsonrpc: '2.0', id: 1, result: {} });
      const deleted = await fetch(new URL('/servers/everything/mcp', base), {
        method: 'DELETE',
        headers: { 'mcp-session-id': session },
      });
      expect(deleted.status).toBe(200);
      expect(
        (
          await post(
            '/servers/everything/mcp',
            { jsonrpc: '2.0', id: 1, method: 'ping' },
            { 'mcp-session-id': session },
          )
        ).status,
      ).toBe(404);
    });

    it('refuses a session used on another endpoint', async () => {
      const session = await initialize('/servers/everything/mcp');
      expect(
        (await post('/mcp', { jsonrpc: '2.0', id: 1, method: 'ping' }, { 'mcp-session-id': session })).status,
      ).toBe(404);
    });

    it('answers a batch with an array of responses', async () => {
      const session = await initialize();
      const reply = await post(
        '/servers/everything/mcp',
        [
          { jsonrpc: '2.0', id: 1, method: 'ping' },
          {
            jsonrpc: '2.0',
            id: 2,
            method: 'tools/call',
            params: { name: 'echo', arguments: { message: 'batched' } },
          },
        ],
        { 'mcp-session-id': session },
      );
      expect(reply.json).toEqual([
        { jsonrpc: '2.0', id: 1, result: {} },
        { jsonrpc: '2.0', id: 2, result: { content: [{ type: 'text', text: 'Echo: batched' }] } },
      ]);
    });

    it('resumes a broken response stream with GET and Last-Event-ID', async () => {
      const session = await initialize();
      // A call that streams progress: read the first event id, then drop the connection.
      const first = await new Promise<string>((resolve, reject) => {
        const req = request(
          new URL('/servers/everything/mcp', base),
          {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              accept: 'text/event-stream',
              'mcp-session-id': session,
            },
          },
          (res) => {
            let text = '';
            res.on('data', (chunk: Buffer) => {
              text += chunk.toString();
              const ids = [...text.matchAll(/^id: (.+)$/gm)].map((m) => m[1] ?? '');
              const progressed = text.includes('notifications/progress');
              if (progressed && ids.length >= 2) {
                req.destroy();
                resolve(ids[ids.length - 1] ?? '');
              }
            });
          },
        );
        req.on('error', (error) => {
          if (!req.destroyed) reject(error);
        });
        req.end(
          JSON.stringify({
            jsonrpc: '2.0',
            id: 42,
            method: 'tools/call',
            params: {
              name: 'trigger-long-running-operation',
              arguments: { duration: 1.5, steps: 3 },
              _meta: { progressToken: 't' },
            },
          }),
        );
      });
      const resumed = await fetch(new URL('/servers/everything/mcp', base), {
        headers: { accept: 'text/event-stream', 'mcp-session-id': session, 'last-event-id': first },
      });
      expect(resumed.status).toBe(200);
      const text = await resumed.text();
      const messages = [...text.matchAll(/^data: (.+)$/gm)].map(
        (m) => JSON.parse(m[1] ?? '{}') as { id?: number; method?: string; params?: { progress?: number } },
      );
      expect(messages.at(-1)).toMatchObject({ id: 42, result: { content: [{ type: 'text' }] } });
      expect(
        messages
          .filter((m) => m.method === 'notifications/progress')
          .every((m) => (m.params?.progress ?? 0) >= 2),
      ).toBe(true);
    });
  });

  describe('the 2026-07-28 wire', () => {
    it('serves a stateless request with the headers mirrored, and says what the result is', async () => {
      const reply = await post(
        '/servers/everything/mcp',
        modern('tools/call', { name: 'echo', arguments: { message: 'modern' } }),
        modernHeaders('tools/call', 'echo'),
      );
      expect(reply.status).toBe(200);
      expect(reply.headers['mcp-session-id']).toBeUndefined();
      expect(reply.json).toMatchObject({
        id: 1,
        result: { resultType: 'complete', content: [{ text: 'Echo: modern' }] },
      });
      const list = await post('/servers/everything/mcp', modern('tools/list'), modernHeaders('tools/list'));
      expect(list.json).toMatchObject({
        result: { resultType: 'complete', ttlMs: 0, cacheScope: 'private' },
      });
    });

    it('answers server/discover for the endpoint', async () => {
      const reply = await post('/mcp', modern('server/discover'), modernHeaders('server/discover'));
      expect(reply.json).toMatchObject({
        result: {
          supportedVersions: [MODERN],
          capabilities: { tools: { listChanged: true } },
          _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'mcpman' } },
        },
      });
    });

    it('rejects mismatched or missing mirror headers with 400 and -32020', async () => {
      const wrongMethod = await post(
        '/servers/everything/mcp',
        modern('tools/list'),
        modernHeaders('tools/call'),
      );
      expect(wrongMethod.status).toBe(400);
      expect(wrongMethod.json).toMatchObject({ error: { code: -32020 } });
      const noName = await post(
        '/servers/everything/mcp',
        modern('tools/call', { name: 'echo', arguments: { message: 'x' } }),
        modernHeaders('tools/call'),
      );
      expect(noName.json).toMatchObject({ error: { code: -32020 } });
      const base64Name = await post(
        '/servers/everything/mcp',
        modern('tools/call', { name: 'echo', arguments: { message: 'x' } }),
        modernHeaders('tools/call', `=?base64?${Buffer.from('echo').toString('base64')}?=`),
      );
      expect(base64Name.status).toBe(200);
      const wrongVersionHeader = await post('/servers/everything/mcp', modern('tools/list'), {
        ...modernHeaders('tools/list'),
        'mcp-protocol-version': '2025-11-25',
      });
      expect(wrongVersionHeader.json).toMatchObject({ error: { code: -32020 } });
    });

    it('rejects an unsupported version with -32022 and the supported list', async () => {
      const body = modern('tools/list');
      body.params._meta['io.modelcontextprotocol/protocolVersion'] = '2099-01-01';
      const reply = await post('/servers/everything/mcp', body, {
        ...modernHeaders('tools/list'),
        'mcp-protocol-version': '2099-01-01',
      });
      expect(reply.status).toBe(400);
      expect(reply.json).toMatchObject({
        error: { code: -32022, data: { supported: [MODERN], requested: '2099-01-01' } },
      });
    });

    it('answers an unknown method with 404 and -32601, and GET with 405', async () => {
      const reply = await post('/mcp', modern('no/such'), modernHeaders('no/such'));
      expect(reply.status).toBe(404);
      expect(reply.json).toMatchObject({ error: { code: -32601 } });
      expect((await fetch(new URL('/mcp', base), { headers: { accept: 'text/event-stream' } })).status).toBe(
        405,
      );
    });

    it('streams list changes on subscriptions/listen, acknowledged first and tagged', async () => {
      const controller = new AbortController();
      const response = await fetch(new URL('/mcp', base), {
        method: 'POST',
        signal: controller.signal,
        headers: {
          'content-type': 'application/json',
          accept: 'text/event-stream',
          ...modernHeaders('subscriptions/listen'),
        },
        body: JSON.stringify(
          modern('subscriptions/listen', { notifications: { toolsListChanged: true } }, 77),
        ),
      });
      expect(response.headers.get('content-type')).toContain('text/event-stream');
      const reader = response.body!.getReader();
      const seen: {
        method?: string;
        params?: { _meta?: Record<string, unknown>; notifications?: unknown };
      }[] = [];
      let buffer = '';
      const pump = (async () => {
        for (;;) {
          const chunk: { done: boolean; value?: Uint8Array } = await reader
            .read()
            .catch(() => ({ value: undefined, done: true as const }));
          if (chunk.done || chunk.value === undefined) return;
          buffer += new TextDecoder().decode(chunk.value);
          for (const match of buffer.matchAll(/^data: (.+)$/gm))
            seen.push(JSON.parse(match[1] ?? '{}') as (typeof seen)[number]);
          buffer = buffer.slice(buffer.lastIndexOf('\n') + 1);
        }
      })();
      await expect.poll(() => seen[0]?.method).toBe('notifications/subscriptions/acknowledged');
      expect(seen[0]?.params?.notifications).toEqual({ toolsListChanged: true });
      await h.runtime!.get('everything')!.restart('test: listen');
      await expect
        .poll(() => seen.some((m) => m.method === 'notifications/tools/list_changed'), { timeout: 30_000 })
        .toBe(true);
      const changed = seen.find((m) => m.method === 'notifications/tools/list_changed');
      expect(changed?.params?._meta?.['io.modelcontextprotocol/subscriptionId']).toBe(77);
      controller.abort();
      await pump;
      await expect.poll(() => h.runtime!.get('everything')!.state, { timeout: 30_000 }).toBe('ready');
    });
  });

  describe('security and transport details', () => {
    it('refuses a foreign Origin with 403 and accepts the gateway’s own and configured ones', async () => {
      for (const origin of [
        'https://evil.example',
        'http://127.x.attacker.example',
        'http://localhost:3000',
      ]) {
        expect((await post('/servers/everything/mcp', {}, { origin })).status, origin).toBe(403);
      }
      const local = await post('/servers/everything/mcp', modern('tools/list'), {
        ...modernHeaders('tools/list'),
        origin: `http://localhost:${base.port}`,
      });
      expect(local.status).toBe(200);
      const configured = await post('/servers/everything/mcp', modern('tools/list'), {
        ...modernHeaders('tools/list'),
        origin: 'https://app.example',
      });
      expect(configured.status).toBe(200);
    });

    it('refuses a foreign Origin on the legacy SSE endpoints and WebSocket upgrades too', async () => {
      const evil = { origin: 'https://evil.example' };
      const sse = await fetch(new URL('/sse', base), { headers: { ...evil, accept: 'text/event-stream' } });
      expect(sse.status).toBe(403);
      expect(await sse.json()).toMatchObject({ error: { code: -32031 } });
      // The Origin is checked before the session is looked up: 403, where a good Origin gets 404.
      expect((await post('/messages?sessionId=none', {}, evil)).status).toBe(403);
      expect((await post('/messages?sessionId=none', {})).status).toBe(404);
      const upgrade = await new Promise<number | undefined>((resolve, reject) => {
        const req = request(new URL('/ws', base), {
          headers: {
            ...evil,
            connection: 'Upgrade',
            upgrade: 'websocket',
            'sec-websocket-version': '13',
            'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
            'sec-websocket-protocol': 'mcp',
          },
        });
        req.on('response', (res) => {
          res.resume();
          resolve(res.statusCode);
        });
        req.on('upgrade', (res, socket) => {
          socket.destroy();
          resolve(res.statusCode);
        });
        req.on('error', reject);
        req.end();
      });
      expect(upgrade).toBe(403);
    });

    it('compresses large responses when the client accepts gzip or br', async () => {
      for (const encoding of ['gzip', 'br']) {
        const raw = await new Promise<{
          headers: Record<string, string | string[] | undefined>;
          body: Buffer;
        }>((resolve, reject) => {
          const req = request(
            new URL('/servers/everything/mcp', base),
            {
              method: 'POST',
              headers: {
                'content-type': 'application/json',
                accept: 'application/json',
                'accept-encoding': encoding,
                ...modernHeaders('tools/list'),
              },
            },
            (res) => {
              const chunks: Buffer[] = [];
              res.on('data', (c: Buffer) => chunks.push(c));
              res.on('end', () => {
                resolve({ headers: res.headers, body: Buffer.concat(chunks) });
              });
            },
          );
          req.on('error', reject);
          req.end(JSON.stringify(modern('tools/list')));
        });
        expect(raw.headers['content-encoding']).toBe(encoding);
        if (encoding === 'gzip')
          expect(JSON.parse(gunzipSync(raw.body).toString())).toMatchObject({
            result: { tools: expect.any(Array) as unknown },
          });
      }
    });
  });
});
