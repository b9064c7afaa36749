import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Client, SSEClientTransport, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { MCPErrorCode } from '@mcpman/protocol';
import type { GatewayServer } from '../gateway-server.js';
import { startInProcessGateway } from '../testing/in-process-gateway.js';
import type { InProcessGateway } from '../testing/in-process-gateway.js';
import { InProcessDirectory } from '../testing/in-process-server.js';
import { GrpcCallError, McpGrpcClient } from '../transports/grpc/client.js';

/*
 * Profiles: a named share of the servers with its own endpoint on every transport. `small`
 * includes alpha's echo only and all of beta; gamma is outside it. Real SDK clients and servers,
 * in this process.
 */

const SMALL = {
  description: 'alpha echo and beta',
  servers: { alpha: { tools: { allow: ['echo'], deny: [] } }, beta: { tools: { allow: ['*'], deny: [] } } },
};
const SMALL_TOOLS = ['alpha__echo', 'beta__ask', 'beta__echo', 'beta__fail', 'beta__wait'];

describe('profiles: a share of the gateway on every transport', () => {
  let directory: InProcessDirectory;
  let started: InProcessGateway;
  let gateway: GatewayServer;
  let base: URL;
  const clients: Client[] = [];

  beforeAll(async () => {
    directory = new InProcessDirectory();
    for (const name of ['alpha', 'beta', 'gamma']) await directory.add(name);
    directory.setProfiles({ small: SMALL, empty: { servers: {} } });
    started = await startInProcessGateway(directory, { grpc: { listen: '127.0.0.1:0' } });
    ({ server: gateway, base } = started);
  });

  afterAll(async () => {
    await Promise.allSettled(clients.map((client) => client.close()));
    await started.close();
  });

  async function connect(path: string, transport: 'streamable' | 'sse' = 'streamable'): Promise<Client> {
    const client = new Client({ name: 'profiles-spec', version: '1' });
    const url = new URL(path, base);
    await client.connect(
      // Legacy SSE is what the profile's /sse endpoint serves, deprecated or not.
      // eslint-disable-next-line @typescript-eslint/no-deprecated
      transport === 'sse' ? new SSEClientTransport(url) : new StreamableHTTPClientTransport(url),
    );
    clients.push(client);
    return client;
  }

  const toolNames = async (client: Client): Promise<string[]> =>
    (await client.listTools()).tools.map((tool) => tool.name).sort();

  it('lists only its tools, resources and prompts on Streamable HTTP and legacy SSE', async () => {
    for (const transport of ['streamable', 'sse'] as const) {
      const path = transport === 'sse' ? '/profiles/small/sse' : '/profiles/small/mcp';
      const client = await connect(path, transport);
      expect(await toolNames(client), transport).toEqual(SMALL_TOOLS);
      const uris = (await client.listResources()).resources.map((r) => r.uri).sort();
      expect(uris, transport).toEqual([
        'mcpman://alpha/file:///readme.txt',
        'mcpman://beta/file:///readme.txt',
      ]);
      const prompts = (await client.listPrompts()).prompts.map((p) => p.name).sort();
      expect(prompts, transport).toEqual(['alpha__greet', 'beta__greet']);
    }
    // The whole gateway is unchanged beside it.
    expect(await toolNames(await connect('/mcp'))).toContain('gamma__echo');
  });

  it('calls what it shows, and refuses what it does not as an unknown tool, resource or prompt', async () => {
    const client = await connect('/profiles/small/mcp');
    const echo = await client.callTool({ name: 'alpha__echo', arguments: { message: 'in profile' } });
    expect(echo.content).toEqual([{ type: 'text', text: 'Echo: in profile' }]);
    for (const name of ['alpha__fail', 'gamma__echo']) {
      await expect(client.callTool({ name, arguments: {} }), name).rejects.toMatchObject({
        code: -32602,
        message: expect.stringContaining(`unknown tool ${name}`) as unknown,
      });
    }
    await expect(client.readResource({ uri: 'mcpman://gamma/file:///readme.txt' })).rejects.toMatchObject({
      code: -32002,
    });
    await expect(client.getPrompt({ name: 'gamma__greet' })).rejects.toMatchObject({ code: -32602 });
  });

  it('serves the same share over WebSocket', async () => {
    const ws = new WebSocket(`ws://${base.host}/profiles/small/ws`, 'mcp');
    type Answer = { id?: unknown; result?: { tools?: { name: string }[] }; error?: { code: number } };
    const answers = new Map<unknown, Answer>();
    const waiting = new Map<unknown, () => void>();
    ws.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString('utf8')) as Answer;
      if (message.id === undefined) return;
      answers.set(message.id, message);
      waiting.get(message.id)?.();
    });
    await new Promise((resolve) => ws.once('open', resolve));
    const ask = (id: number, method: string, params: object): Promise<void> => {
      const answered = new Promise<void>((resolve) => waiting.set(id, resolve));
      ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
      return answered;
    };
    await ask(1, 'initialize', {
      protocolVersion: '2025-11-25',
      capabilities: {},
      clientInfo: { name: 'ws', version: '1' },
    });
    ws.send(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
    await ask(2, 'tools/list', {});
    await ask(3, 'tools/call', { name: 'gamma__echo', arguments: {} });
    ws.close();
    expect(
      answers
        .get(2)
        ?.result?.tools?.map((t) => t.name)
        .sort(),
    ).toEqual(SMALL_TOOLS);
    expect(answers.get(3)?.error?.code).toBe(-32602);
  });

  it('serves the same share over gRPC with mcp-profile metadata, per call and in a Session', async () => {
    const address = gateway.grpcAddress!;
    const grpc = new McpGrpcClient({ address, profile: 'small' });
    try {
      const listed = (await grpc.listTools()) as { tools: { name: string }[] };
      expect(listed.tools.map((t) => t.name).sort()).toEqual(SMALL_TOOLS);
      const refused = await grpc.callTool('gamma__echo', {}).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(GrpcCallError);
      expect((refused as GrpcCallError).rpc.code).toBe(-32602);
      const session = grpc.openSession();
      await session.initialize();
      const inSession = (await session.request('tools/list')) as { tools: { name: string }[] };
      expect(inSession.tools.map((t) => t.name).sort()).toEqual(SMALL_TOOLS);
      await session.close();
    } finally {
      grpc.close();
    }
  });

  it('answers an unknown profile with PROFILE_NOT_FOUND on every transport', async () => {
    const http = await fetch(new URL('/profiles/nope/mcp', base), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
    });
    expect(http.status).toBe(404);
    expect(((await http.json()) as { error: { data: { code: string } } }).error.data.code).toBe(
      MCPErrorCode.ProfileNotFound,
    );
    expect((await fetch(new URL('/profiles/nope/sse', base))).status).toBe(404);
    const ws = new WebSocket(`ws://${base.host}/profiles/nope/ws`, 'mcp');
    ws.on('error', () => undefined);
    const status = await new Promise<number | undefined>((resolve) => {
      ws.once('unexpected-response', (_req, res) => {
        resolve(res.statusCode);
      });
      ws.once('open', () => {
        resolve(undefined);
      });
    });
    expect(status).toBe(404);
    const grpc = new McpGrpcClient({ address: gateway.grpcAddress!, profile: 'nope' });
    try {
      const refused = (await grpc.listTools().catch((error: unknown) => error)) as GrpcCallError;
      expect(refused.rpc.data).toMatchObject({ code: MCPErrorCode.ProfileNotFound });
      const both = new McpGrpcClient({
        address: gateway.grpcAddress!,
        profile: 'small',
        server: 'alpha',
      });
      const mixed = (await both.listTools().catch((error: unknown) => error)) as GrpcCallError;
      both.close();
      expect(mixed.rpc.message).toMatch(/mcp-server or mcp-profile, not both/);
    } finally {
      grpc.close();
    }
  });

  it("refuses a web page's attacks on a profile's endpoints like on /mcp", async () => {
    const post = (path: string, headers: Record<string, string>): Promise<Response> =>
      fetch(new URL(path, base), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...headers,
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
      });
    expect((await post('/profiles/small/mcp', { origin: 'https://evil.example' })).status).toBe(403);
    // A rebound name: fetch will not send a foreign Host, so a raw request does.
    const rebound = await new Promise<number | undefined>((resolve, reject) => {
      request(
        {
          host: base.hostname,
          port: base.port,
          path: '/profiles/small/mcp',
          method: 'POST',
          headers: { host: 'attacker.example', 'content-type': 'application/json' },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode);
        },
      )
        .on('error', reject)
        .end('{}');
    });
    expect(rebound).toBe(421);
    expect((await post('/profiles/%E0/mcp', {})).status).toBe(400);
    const ws = new WebSocket(`ws://${base.host}/profiles/small/ws`, 'mcp', {
      origin: 'https://evil.example',
    });
    ws.on('error', () => undefined);
    const status = await new Promise<number | undefined>((resolve) => {
      ws.once('unexpected-response', (_req, res) => {
        resolve(res.statusCode);
      });
      ws.once('open', () => {
        resolve(101);
      });
    });
    ws.terminate();
    expect(status).toBe(403);
  });

  it('follows the config: a profile changed or removed takes effect on the next request', async () => {
    const client = await connect('/profiles/small/mcp');
    directory.setProfiles({ small: { servers: { gamma: { tools: { allow: ['echo'], deny: [] } } } } });
    try {
      expect(await toolNames(client)).toEqual(['gamma__echo']);
      // Removed: the endpoint is gone, for its open sessions too.
      directory.setProfiles({});
      await expect(client.listTools()).rejects.toThrow(/PROFILE_NOT_FOUND/);
    } finally {
      directory.setProfiles({ small: SMALL, empty: { servers: {} } });
    }
  });

  it('keeps a session to its profile: its id is not found on another endpoint', async () => {
    const transport = new StreamableHTTPClientTransport(new URL('/profiles/small/mcp', base));
    const client = new Client({ name: 'scoped', version: '1' });
    await client.connect(transport);
    clients.push(client);
    const other = await fetch(new URL('/mcp', base), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': transport.sessionId ?? '',
        'mcp-protocol-version': '2025-11-25',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list', params: {} }),
    });
    expect(other.status).toBe(404);
    expect(await toolNames(await connect('/profiles/empty/mcp'))).toEqual([]);
  });
});

describe('profiles: grants limited to a profile', () => {
  let directory: InProcessDirectory;
  let started: InProcessGateway;
  let gateway: GatewayServer;
  let base: URL;
  let token: string;

  beforeAll(async () => {
    directory = new InProcessDirectory();
    for (const name of ['alpha', 'beta']) await directory.add(name);
    directory.setProfiles({
      small: SMALL,
      other: { servers: { beta: { tools: { allow: ['*'], deny: [] } } } },
    });
    started = await startInProcessGateway(directory, {
      grpc: { listen: '127.0.0.1:0' },
      auth: { mode: 'token' },
    });
    ({ server: gateway, base } = started);
    token = (await gateway.tokens.create({ name: 'editor', profiles: ['small'] })).token;
  });

  afterAll(async () => {
    await started.close();
  });

  const post = (path: string): Promise<Response> =>
    fetch(new URL(path, base), {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } },
      }),
    });

  it('answers a profile token on its profile, and refuses it on /mcp, a server and another profile', async () => {
    expect((await post('/profiles/small/mcp')).status).toBe(200);
    for (const path of ['/mcp', '/servers/alpha/mcp', '/profiles/other/mcp']) {
      const refused = await post(path);
      expect(refused.status, path).toBe(403);
      const body = (await refused.json()) as { error: { message: string; data: { code: string } } };
      expect(body.error.data.code, path).toBe(MCPErrorCode.AuthForbidden);
      expect(body.error.message, path).toMatch(/may use only the endpoints of profile small/);
    }
  });

  it("points a caller without credentials at the profile endpoint's own RFC 9728 metadata", async () => {
    const refused = await fetch(new URL('/profiles/small/mcp', base), { method: 'POST', body: '{}' });
    expect(refused.status).toBe(401);
    const challenge = refused.headers.get('www-authenticate') ?? '';
    const metadata = /resource_metadata="([^"]+)"/.exec(challenge)?.[1];
    expect(metadata).toBe(
      new URL('/.well-known/oauth-protected-resource/profiles/small/mcp', base).toString(),
    );
    const document = (await (await fetch(metadata ?? '')).json()) as { resource: string };
    expect(document.resource).toBe(new URL('/profiles/small/mcp', base).toString());
    // An unknown profile answers the same to a caller without credentials: no names are learnt.
    expect((await fetch(new URL('/profiles/nope/mcp', base), { method: 'POST', body: '{}' })).status).toBe(
      401,
    );
  });

  it('holds on gRPC and WebSocket too', async () => {
    const inside = new McpGrpcClient({ address: gateway.grpcAddress!, profile: 'small', token });
    const outside = new McpGrpcClient({ address: gateway.grpcAddress!, token });
    try {
      const listed = (await inside.listTools()) as { tools: unknown[] };
      expect(listed.tools).toHaveLength(SMALL_TOOLS.length);
      const refused = (await outside.listTools().catch((error: unknown) => error)) as GrpcCallError;
      expect(refused.rpc.data).toMatchObject({ code: MCPErrorCode.AuthForbidden });
    } finally {
      inside.close();
      outside.close();
    }
    const status = async (path: string): Promise<number | undefined> => {
      const ws = new WebSocket(`ws://${base.host}${path}`, 'mcp', {
        headers: { authorization: `Bearer ${token}` },
      });
      ws.on('error', () => undefined);
      const answered = await new Promise<number | undefined>((resolve) => {
        ws.once('unexpected-response', (_req, res) => {
          resolve(res.statusCode);
        });
        ws.once('open', () => {
          resolve(101);
        });
      });
      ws.terminate();
      return answered;
    };
    expect(await status('/profiles/small/ws')).toBe(101);
    expect(await status('/ws')).toBe(403);
  });
});
