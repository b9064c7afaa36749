import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import type { CryptoKey, JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { WebSocketClientTransport } from '@modelcontextprotocol/sdk/client/websocket.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { WebSocket } from 'ws';
import { EventBus, FileTokenStore } from '@mcpman/core';
import { GrpcCallError, McpGrpcClient } from '@mcpman/gateway';
import type { ManagementBackend } from '@mcpman/manager';
import { RuntimeHarness, resultText } from './helpers/runtime.js';
import { EVERYTHING } from './helpers/workspace.js';
import { initializeRequest } from './helpers/mcp-wire.js';

const REPO = join(import.meta.dirname, '..');
const BIN = join(REPO, 'packages/cli/bin/mcpman.js');
const AUDIENCE = 'https://mcpman.test/mcp';
/** How each transport reports a refused connection (HTTP status, gRPC status or our message). */
const REFUSED =
  /401|403|UNAUTHENTICATED|PERMISSION_DENIED|Unauthorized|Forbidden|access token|not valid|authentication required|may not use|closed/i;

let wsHeaders: Record<string, string> = {};
// The SDK's WebSocket client cannot set headers (it is written for the browser API); this
// subclass adds the Authorization header a native client would send.
(globalThis as { WebSocket?: unknown }).WebSocket = class extends WebSocket {
  constructor(url: string | URL, protocols?: string | string[]) {
    super(url, protocols, { headers: wsHeaders });
  }
};

/** What a test does through a transport, whichever it is. */
interface Connection {
  tools(): Promise<string[]>;
  call(name: string, args: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

type Kind = 'streamable-http' | 'sse' | 'websocket' | 'grpc' | 'stdio-bridge';
const KINDS: readonly Kind[] = ['streamable-http', 'sse', 'websocket', 'grpc', 'stdio-bridge'];

/** A local authorization server: RFC 8414 metadata and a JWKS, and tokens it signs. */
class TestIssuer {
  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly key: CryptoKey,
  ) {}

  static async start(): Promise<TestIssuer> {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'ES256', use: 'sig' };
    let url = '';
    const server = createServer((req, res) => {
      const body =
        req.url === '/.well-known/oauth-authorization-server'
          ? { issuer: url, jwks_uri: `${url}/jwks.json` }
          : req.url === '/jwks.json'
            ? { keys: [jwk] }
            : undefined;
      res.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body ?? {}));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return new TestIssuer(server, url, privateKey);
  }

  sign(claims: { aud?: string; exp?: number; scope?: string; iss?: string; sub?: string }): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ scope: claims.scope ?? 'mcp' })
      .setProtectedHeader({ alg: 'ES256', kid: 'test-key' })
      .setIssuer(claims.iss ?? this.url)
      .setSubject(claims.sub ?? 'alice')
      .setAudience(claims.aud ?? AUDIENCE)
      .setIssuedAt(now - 60)
      .setExpirationTime(claims.exp ?? now + 600)
      .sign(this.key);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
  }
}

/**
 * Authentication and authorization on every client transport, against real servers in Podman:
 * static API tokens (granted per server and per tool), OAuth JWT access tokens checked against
 * a local issuer's JWKS, RFC 9728 metadata and challenges, and the management API's admin grant.
 */
describe('gateway authentication and authorization', () => {
  let h: RuntimeHarness;
  let base: URL;
  let issuer: TestIssuer;
  let tokens: FileTokenStore;
  const open: Connection[] = [];
  const t: Record<'all' | 'alphaOnly' | 'echoOnly' | 'admin', string> = {
    all: '',
    alphaOnly: '',
    echoOnly: '',
    admin: '',
  };

  const sdkConnection = (client: Client): Connection => ({
    tools: async () => (await client.listTools()).tools.map((tool) => tool.name),
    call: async (name, args) => resultText(await client.callTool({ name, arguments: args })),
    close: () => client.close(),
  });

  const connect = async (kind: Kind, token: string | undefined, path = ''): Promise<Connection> => {
    const headers: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` };
    let connection: Connection;
    if (kind === 'grpc') {
      const grpc = new McpGrpcClient({
        address: h.gateway!.grpcAddress!,
        ...(token === undefined ? {} : { token }),
        ...(path === '' ? {} : { server: path.split('/')[2] ?? '' }),
      });
      const grpcConnection: Connection = {
        tools: async () => ((await grpc.listTools())['tools'] as { name: string }[]).map((x) => x.name),
        call: async (name, args) => resultText(await grpc.callTool(name, args)),
        close: () => {
          grpc.close();
          return Promise.resolve();
        },
      };
      // Stateless gRPC calls authenticate per call: the first one tells whether we are in.
      try {
        await grpcConnection.tools();
      } catch (error) {
        grpc.close();
        throw error;
      }
      connection = grpcConnection;
    } else {
      let transport: Transport;
      if (kind === 'streamable-http') {
        transport = new StreamableHTTPClientTransport(new URL(`${path}/mcp`, base), {
          requestInit: { headers },
        });
      } else if (kind === 'sse') {
        // eslint-disable-next-line @typescript-eslint/no-deprecated
        transport = new SSEClientTransport(new URL(`${path}/sse`, base), {
          requestInit: { headers },
          eventSourceInit: {
            fetch: (url, init) => fetch(url, { ...init, headers: { ...init.headers, ...headers } }),
          },
        });
      } else if (kind === 'websocket') {
        wsHeaders = headers;
        transport = new WebSocketClientTransport(new URL(`ws://${base.host}${path}/ws`));
      } else {
        transport = new StdioClientTransport({
          command: process.execPath,
          args: [
            BIN,
            'connect',
            ...(path === '' ? [] : [path.split('/')[2] ?? '']),
            '--url',
            base.toString(),
            ...(token === undefined ? [] : ['--token', token]),
          ],
          stderr: 'pipe',
        });
      }
      const client = new Client({ name: 'auth-test', version: '1' });
      await client.connect(transport);
      connection = sdkConnection(client);
    }
    open.push(connection);
    return connection;
  };

  beforeAll(async () => {
    h = await RuntimeHarness.create();
    issuer = await TestIssuer.start();
    tokens = new FileTokenStore(h.workspace.path('state/tokens.json'));
    t.all = (await tokens.create({ name: 'all' })).token;
    t.alphaOnly = (await tokens.create({ name: 'alpha-only', servers: ['alpha'] })).token;
    t.echoOnly = (await tokens.create({ name: 'echo-only', tools: ['alpha__echo'] })).token;
    t.admin = (await tokens.create({ name: 'admin', admin: true })).token;
    const backend: ManagementBackend = {
      bus: new EventBus(),
      info: () => ({ version: 'test', pid: process.pid, configPath: '', startedAt: 0, engineSocket: '' }),
      servers: () => h.runtime?.status() ?? [],
      applied: () => h.runtime?.applied ?? false,
      server: () => undefined,
      restart: () => Promise.resolve(),
      reload: () => Promise.resolve(),
      shutdown: () => undefined,
    };
    base = await h.startGateway(
      `  alpha:\n    source: ${EVERYTHING}\n  beta:\n    source: ${EVERYTHING}\n`,
      `{ auth: { mode: oauth, oauth: { issuer: "${issuer.url}", audience: "${AUDIENCE}", requiredScopes: [mcp] } }, audit: { arguments: true }, keepAlive: { wsPing: 300ms } }`,
      { management: backend, tokens },
    );
  });

  afterAll(async () => {
    for (const connection of open) await connection.close().catch(() => undefined);
    await h.dispose();
    await issuer.close();
  });

  it('answers 401 with a Bearer challenge naming the protected resource metadata, which is served', async () => {
    const response = await fetch(new URL('/mcp', base), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    expect(response.status).toBe(401);
    const challenge = response.headers.get('www-authenticate') ?? '';
    const metadataUrl = `${base.origin}/.well-known/oauth-protected-resource/mcp`;
    expect(challenge).toBe(`Bearer resource_metadata="${metadataUrl}", scope="mcp"`);
    expect(((await response.json()) as { error: { code: number } }).error.code).toBe(-32030);
    const metadata = (await (await fetch(metadataUrl)).json()) as Record<string, unknown>;
    expect(metadata).toMatchObject({
      resource: `${base.origin}/mcp`,
      authorization_servers: [issuer.url],
      bearer_methods_supported: ['header'],
      scopes_supported: ['mcp'],
    });
    const root = (await (await fetch(new URL('/.well-known/oauth-protected-resource', base))).json()) as {
      authorization_servers: string[];
    };
    expect(root.authorization_servers).toEqual([issuer.url]);
    const wrong = await fetch(new URL('/mcp', base), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer nope' },
      body: '{}',
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toContain('error="invalid_token"');
    const scheme = await fetch(new URL('/mcp', base), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Basic dXNlcjpwYXNz' },
      body: '{}',
    });
    expect(scheme.status).toBe(401);
    expect(scheme.headers.get('www-authenticate')).toContain('error="invalid_request"');
  });

  for (const kind of KINDS) {
    describe(kind, () => {
      it('refuses a client without a token and one with a wrong or revoked token', async () => {
        await expect(connect(kind, undefined)).rejects.toThrow(REFUSED);
        await expect(connect(kind, `${t.all.slice(0, -4)}AAAA`)).rejects.toThrow(REFUSED);
        const { token } = await tokens.create({ name: `revoked-${kind}` });
        await tokens.revoke(`revoked-${kind}`);
        await expect(connect(kind, token)).rejects.toThrow(REFUSED);
      });

      it('lets a token granted alpha list and call only alpha, and refuses beta', async () => {
        const all = await connect(kind, t.all);
        const everything = await all.tools();
        expect(everything).toContain('beta__echo');
        const alpha = await connect(kind, t.alphaOnly);
        const tools = await alpha.tools();
        expect(tools).toContain('alpha__echo');
        expect(tools.filter((name) => !name.startsWith('alpha__'))).toEqual([]);
        expect(await alpha.call('alpha__echo', { message: 'hi' })).toBe('Echo: hi');
        await expect(alpha.call('beta__echo', { message: 'hi' })).rejects.toThrow(/unknown tool beta__echo/);
        // The server's own endpoint is closed to it altogether.
        await expect(connect(kind, t.alphaOnly, '/servers/beta')).rejects.toThrow(
          /403|PERMISSION_DENIED|Forbidden|may not use server beta|refused|closed/i,
        );
        const scoped = await connect(kind, t.alphaOnly, '/servers/alpha');
        expect(await scoped.tools()).toContain('echo');
      });

      it('lets a token granted one tool see and call only that tool', async () => {
        const echo = await connect(kind, t.echoOnly);
        expect(await echo.tools()).toEqual(['alpha__echo']);
        expect(await echo.call('alpha__echo', { message: 'x' })).toBe('Echo: x');
        await expect(echo.call('alpha__get-sum', { a: 1, b: 2 })).rejects.toThrow(
          /not allowed to call alpha__get-sum/,
        );
      });

      it('refuses an expired or wrong-audience JWT and accepts a valid one', async () => {
        const now = Math.floor(Date.now() / 1000);
        const expired = await issuer.sign({ exp: now - 600 });
        const otherAudience = await issuer.sign({ aud: 'https://elsewhere.test/mcp' });
        const otherIssuer = await issuer.sign({ iss: 'https://evil.test' });
        const noScope = await issuer.sign({ scope: 'other' });
        for (const bad of [expired, otherAudience, otherIssuer, noScope]) {
          await expect(connect(kind, bad)).rejects.toThrow(REFUSED);
        }
        const valid = await connect(kind, await issuer.sign({ scope: `mcp mcpman:server:beta` }));
        const tools = await valid.tools();
        expect(tools).toContain('beta__echo');
        expect(tools.some((name) => name.startsWith('alpha__'))).toBe(false);
        expect(await valid.call('beta__echo', { message: 'jwt' })).toBe('Echo: jwt');
      });
    });
  }

  it('says why a JWT was refused: expired, wrong audience, missing scope', async () => {
    const now = Math.floor(Date.now() / 1000);
    const cases: [string, number, string][] = [
      [await issuer.sign({ exp: now - 600 }), 401, 'the access token has expired'],
      [await issuer.sign({ aud: 'https://elsewhere.test/mcp' }), 401, 'another audience'],
      [await issuer.sign({ scope: 'other' }), 403, 'lacks the scope mcp'],
    ];
    for (const [token, status, reason] of cases) {
      const response = await fetch(new URL('/mcp', base), {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: '{}',
      });
      expect(response.status).toBe(status);
      expect(response.headers.get('www-authenticate')).toContain(reason);
    }
    try {
      await new McpGrpcClient({ address: h.gateway!.grpcAddress!, token: cases[0]![0] }).listTools();
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(GrpcCallError);
      expect((error as GrpcCallError).message).toContain('the access token has expired');
    }
  });

  it('does not let another identity use a session it did not open', async () => {
    const init = await fetch(new URL('/mcp', base), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        authorization: `Bearer ${t.all}`,
      },
      body: JSON.stringify(initializeRequest('x')),
    });
    const session = init.headers.get('mcp-session-id') ?? '';
    expect(session).not.toBe('');
    const hijack = await fetch(new URL('/mcp', base), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        authorization: `Bearer ${t.alphaOnly}`,
        'mcp-session-id': session,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
    });
    expect(hijack.status).toBe(404);
  });

  it('authorizes each request with its own credential: a token narrowed mid-session narrows the session', async () => {
    const wide = (await tokens.create({ name: 'shrinking' })).token;
    const post = (token: string, body: unknown, session?: string): Promise<Response> =>
      fetch(new URL('/mcp', base), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          authorization: `Bearer ${token}`,
          ...(session === undefined
            ? {}
            : { 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' }),
        },
        body: JSON.stringify(body),
      });
    const init = await post(wide, initializeRequest('shrinking'));
    const session = init.headers.get('mcp-session-id') ?? '';
    await post(wide, { jsonrpc: '2.0', method: 'notifications/initialized' }, session);
    const servers = async (token: string): Promise<string[]> => {
      const answer = (await (
        await post(token, { jsonrpc: '2.0', id: 2, method: 'tools/list' }, session)
      ).json()) as {
        result: { tools: { name: string }[] };
      };
      return [...new Set(answer.result.tools.map((tool) => tool.name.split('__')[0] ?? ''))].sort();
    };
    expect(await servers(wide)).toEqual(['alpha', 'beta']);
    // Re-created with fewer rights under the same name (what `client connect` does to a token).
    await tokens.revoke('shrinking');
    const narrow = (await tokens.create({ name: 'shrinking', servers: ['alpha'] })).token;
    expect(await servers(narrow)).toEqual(['alpha']);
    expect((await post(wide, { jsonrpc: '2.0', id: 3, method: 'tools/list' }, session)).status).toBe(401);
    await tokens.revoke('shrinking');
  });

  it("tells nobody without credentials which servers exist, and a tool grant reads only its server's resources", async () => {
    // Unknown and known servers look alike to a caller without credentials.
    for (const path of ['/servers/nosuch/mcp', '/servers/alpha/mcp'])
      expect((await fetch(new URL(path, base), { method: 'POST' })).status, path).toBe(401);
    expect(
      (
        await fetch(new URL('/servers/nosuch/mcp', base), {
          method: 'POST',
          headers: { authorization: `Bearer ${t.all}` },
        })
      ).status,
    ).toBe(404);
    const probe = (await (await fetch(new URL('/readyz', base))).json()) as Record<string, unknown>;
    expect(probe['servers']).toBeUndefined();
    expect(probe['counts']).toMatchObject({ ready: 2 });
    const admin = (await (
      await fetch(new URL('/readyz', base), { headers: { authorization: `Bearer ${t.admin}` } })
    ).json()) as Record<string, unknown>;
    expect(admin['servers']).toEqual({ alpha: 'ready', beta: 'ready' });
    // A token for one tool of alpha reads no resource or prompt of beta.
    const client = new Client({ name: 'echo-only', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL('/mcp', base), {
        requestInit: { headers: { authorization: `Bearer ${t.echoOnly}` } },
      }),
    );
    try {
      const resources = (await client.listResources()).resources.map((r) => r.uri);
      expect(resources.length).toBeGreaterThan(0);
      expect(resources.every((uri) => uri.startsWith('mcpman://alpha/'))).toBe(true);
      const prompts = (await client.listPrompts()).prompts.map((p) => p.name);
      expect(prompts.every((name) => name.startsWith('alpha__'))).toBe(true);
    } finally {
      await client.close();
    }
  });

  it('closes a WebSocket whose token was revoked, at its next ping', async () => {
    const token = (await tokens.create({ name: 'ws-revoked' })).token;
    const ws = new WebSocket(`ws://${base.host}/ws`, 'mcp', {
      headers: { authorization: `Bearer ${token}` },
    });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const closed = new Promise<number>((resolve) =>
      ws.once('close', (code) => {
        resolve(code);
      }),
    );
    await tokens.revoke('ws-revoked');
    expect(await closed).toBe(1008);
  });

  it('keeps the management API to admin identities', async () => {
    const get = (token?: string): Promise<Response> =>
      fetch(new URL('/api/v1/servers', base), {
        headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
      });
    expect((await get()).status).toBe(401);
    const user = await get(t.all);
    expect(user.status).toBe(403);
    expect(user.headers.get('www-authenticate')).toContain('scope="mcpman:admin"');
    const admin = await get(t.admin);
    expect(admin.status).toBe(200);
    expect(((await admin.json()) as { servers: { name: string }[] }).servers.map((s) => s.name)).toEqual([
      'alpha',
      'beta',
    ]);
    const jwtAdmin = await get(await issuer.sign({ scope: 'mcp mcpman:admin' }));
    expect(jwtAdmin.status).toBe(200);
    const foreign = await fetch(new URL('/api/v1/servers', base), {
      headers: { authorization: `Bearer ${t.admin}`, origin: 'https://evil.example' },
    });
    expect(foreign.status).toBe(403);
    // Tokens through the API: shown once on creation, never listed.
    const created = await fetch(new URL('/api/v1/tokens', base), {
      method: 'POST',
      headers: { authorization: `Bearer ${t.admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'from-api', servers: ['alpha'] }),
    });
    expect(created.status).toBe(201);
    const { token } = (await created.json()) as { token: string };
    const listed = await (
      await fetch(new URL('/api/v1/tokens', base), { headers: { authorization: `Bearer ${t.admin}` } })
    ).text();
    expect(listed).toContain('"from-api"');
    // The secret half (which may itself contain '_'): everything after mcpman_<id>_.
    expect(listed).not.toContain(token.slice('mcpman_'.length + 17));
    const viaApi = await connect('streamable-http', token);
    expect((await viaApi.tools()).every((name) => name.startsWith('alpha__'))).toBe(true);
  });

  it('writes one audit line per tool call with who, what, outcome and duration', async () => {
    const { readFile } = await import('node:fs/promises');
    const read = async (): Promise<Record<string, unknown>[]> =>
      (await readFile(h.workspace.path('state/audit.log'), 'utf8'))
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    // Lines reach the file in batches up to 20 ms apart; the previous test's token.create may
    // still be pending when this one starts.
    await expect
      .poll(async () => (await read()).some((line) => line['action'] === 'token.create'))
      .toBe(true);
    const lines = await read();
    const calls = lines.filter((line) => line['action'] === 'tools/call');
    expect(calls.length).toBeGreaterThanOrEqual(KINDS.length * 3);
    expect(calls).toContainEqual(
      expect.objectContaining({
        who: 'token:alpha-only',
        via: 'streamable-http',
        target: 'alpha__echo',
        outcome: 'ok',
        arguments: { message: 'hi' },
      }),
    );
    for (const call of calls) {
      expect(call['durationMs']).toEqual(expect.any(Number));
      expect(call['time']).toMatch(/^\d{4}-\d\d-\d\dT/);
    }
    expect(calls).toContainEqual(
      expect.objectContaining({ who: 'token:echo-only', target: 'alpha__get-sum', outcome: 'denied' }),
    );
    expect(calls).toContainEqual(
      expect.objectContaining({ who: 'oauth:alice', via: 'grpc', target: 'beta__echo', outcome: 'ok' }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({ who: 'token:admin', via: 'api', action: 'token.create', outcome: 'ok' }),
    );
  });
});
