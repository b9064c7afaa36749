import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { WebSocketClientTransport } from '@modelcontextprotocol/sdk/client/websocket.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { WebSocket } from 'ws';
import { FileTokenStore } from '@mcpman/core';
import { GrpcCallError, McpGrpcClient } from '@mcpman/gateway';
import { ClientConnections, clientContext } from '@mcpman/integrations';
import { RuntimeHarness, resultText } from './helpers/runtime.js';
import { EVERYTHING, MEMORY } from './helpers/workspace.js';

const BIN = join(import.meta.dirname, '..', 'packages/cli/bin/mcpman.js');

let wsHeaders: Record<string, string> = {};
// The SDK's WebSocket client cannot set headers; this one adds the Authorization a native client sends.
(globalThis as { WebSocket?: unknown }).WebSocket = class extends WebSocket {
  constructor(url: string | URL, protocols?: string | string[]) {
    super(url, protocols, { headers: wsHeaders });
  }
};

type Kind = 'streamable-http' | 'sse' | 'websocket' | 'grpc' | 'stdio-bridge';
const KINDS: readonly Kind[] = ['streamable-http', 'sse', 'websocket', 'grpc', 'stdio-bridge'];

interface Connection {
  tools(): Promise<string[]>;
  call(name: string, args: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

/**
 * Profiles against real servers in Podman, on every client transport: `notes` is memory's tools
 * and alpha's echo; a token limited to it is answered there and nowhere else.
 */
describe('profiles on real servers', () => {
  let h: RuntimeHarness;
  let base: URL;
  let tokens: FileTokenStore;
  let all = '';
  let notesOnly = '';
  let expected: string[] = [];
  const open: Connection[] = [];

  const connect = async (kind: Kind, token: string, profile?: string): Promise<Connection> => {
    const prefix = profile === undefined ? '' : `/profiles/${profile}`;
    const headers = { authorization: `Bearer ${token}` };
    let connection: Connection;
    if (kind === 'grpc') {
      const grpc = new McpGrpcClient({
        address: h.gateway!.grpcAddress!,
        token,
        ...(profile === undefined ? {} : { profile }),
      });
      connection = {
        tools: async () => ((await grpc.listTools())['tools'] as { name: string }[]).map((x) => x.name),
        call: async (name, args) => resultText(await grpc.callTool(name, args)),
        close: () => {
          grpc.close();
          return Promise.resolve();
        },
      };
    } else {
      let transport: Transport;
      if (kind === 'streamable-http') {
        transport = new StreamableHTTPClientTransport(new URL(`${prefix}/mcp`, base), {
          requestInit: { headers },
        });
      } else if (kind === 'sse') {
        // eslint-disable-next-line @typescript-eslint/no-deprecated
        transport = new SSEClientTransport(new URL(`${prefix}/sse`, base), {
          requestInit: { headers },
          eventSourceInit: {
            fetch: (url, init) => fetch(url, { ...init, headers: { ...init.headers, ...headers } }),
          },
        });
      } else if (kind === 'websocket') {
        wsHeaders = headers;
        transport = new WebSocketClientTransport(new URL(`ws://${base.host}${prefix}/ws`));
      } else {
        transport = new StdioClientTransport({
          command: process.execPath,
          args: [
            BIN,
            'connect',
            ...(profile === undefined ? [] : ['--profile', profile]),
            '--url',
            base.toString(),
            '--token',
            token,
          ],
          stderr: 'pipe',
        });
      }
      const client = new Client({ name: 'profiles-test', version: '1' });
      await client.connect(transport);
      connection = {
        tools: async () => (await client.listTools()).tools.map((tool) => tool.name),
        call: async (name, args) => resultText(await client.callTool({ name, arguments: args })),
        close: () => client.close(),
      };
    }
    open.push(connection);
    return connection;
  };

  beforeAll(async () => {
    h = await RuntimeHarness.create();
    tokens = new FileTokenStore(h.workspace.path('state/tokens.json'));
    all = (await tokens.create({ name: 'all' })).token;
    notesOnly = (await tokens.create({ name: 'notes-only', profiles: ['notes'] })).token;
    base = await h.startGateway(
      `  alpha:\n    source: ${EVERYTHING}\n  memory:\n    source: ${MEMORY}\n`,
      '{ auth: { mode: token } }',
      {
        tokens,
        yaml:
          'profiles:\n  notes:\n    servers:\n      alpha: { tools: { allow: [echo] } }\n      memory: {}\n' +
          '  finder:\n    servers:\n      alpha: { tools: { deny: [get-env] } }\n      memory: {}\n    discovery: { mode: find }\n',
      },
    );
    // What the profile should show: everything of memory and alpha's echo, as /mcp names them.
    const whole = await connect('streamable-http', all);
    expected = (await whole.tools()).filter((name) => name.startsWith('memory__') || name === 'alpha__echo');
    expect(expected.length).toBeGreaterThan(5);
  });

  afterAll(async () => {
    for (const connection of open) await connection.close().catch(() => undefined);
    await h.dispose();
  });

  it.each(KINDS)('shows and calls only the profile on %s, and refuses the rest as unknown', async (kind) => {
    const notes = await connect(kind, notesOnly, 'notes');
    expect((await notes.tools()).sort()).toEqual([...expected].sort());
    expect(await notes.call('alpha__echo', { message: 'from a profile' })).toContain('from a profile');
    expect(await notes.call('memory__read_graph', {})).toContain('entities');
    const refused = await notes.call('alpha__get-env', {}).then(
      (text) => text,
      (error: unknown) => (error instanceof GrpcCallError ? error.rpc.message : String(error)),
    );
    expect(refused).toMatch(/unknown tool alpha__get-env/);
  });

  it.each(KINDS)('refuses a token limited to the profile on /mcp over %s', async (kind) => {
    // Refused when connecting (HTTP, WebSocket) or at the first call (gRPC calls authenticate each).
    const outside: unknown = await connect(kind, notesOnly)
      .then(async (connection) => connection.tools())
      .catch((error: unknown) => error);
    const said = outside instanceof GrpcCallError ? outside.rpc.message : String(outside);
    expect(said).toMatch(
      /403|PERMISSION_DENIED|Forbidden|may use only the endpoints of profile notes|closed/i,
    );
  });

  it.each(['streamable-http', 'grpc'] as const)(
    'finds real tools by task on a discovery profile over %s, and calls them through the same policy',
    async (kind) => {
      const finder = await connect(kind, all, 'finder');
      expect((await finder.tools()).sort()).toEqual(['call_tool', 'describe_tool', 'find_tools']);
      const found = JSON.parse(
        await finder.call('find_tools', { query: 'create entities in the knowledge graph' }),
      ) as {
        tools: { name: string }[];
      };
      expect(found.tools.map((t) => t.name).slice(0, 3)).toContain('memory__create_entities');
      const echoed = await finder.call('call_tool', {
        name: 'alpha__echo',
        arguments: { message: 'found it' },
      });
      expect(echoed).toContain('found it');
      // alpha's get-env is denied on this profile: neither found nor callable.
      const env = JSON.parse(await finder.call('find_tools', { query: 'environment variables env' })) as {
        tools: { name: string }[];
      };
      expect(env.tools.map((t) => t.name)).not.toContain('alpha__get-env');
      const refused = await finder.call('call_tool', { name: 'alpha__get-env', arguments: {} }).then(
        (text) => text,
        (error: unknown) => (error instanceof GrpcCallError ? error.rpc.message : String(error)),
      );
      expect(refused).toMatch(/not exposed|unknown tool/);
    },
  );

  it('connects a client to the profile: the entry it writes lists the profile through a real client', async () => {
    const home = await mkdtemp(join(tmpdir(), 'mcpman-profile-client-'));
    try {
      const connections = new ClientConnections({
        context: clientContext({ HOME: home, PATH: '' }, home),
        gateway: base,
        tokens,
      });
      const change = await connections.connect({ client: 'cursor', profile: 'notes' });
      const entry = (
        JSON.parse(await readFile(change.path, 'utf8')) as {
          mcpServers: Record<string, { url: string; headers: Record<string, string> }>;
        }
      ).mcpServers['mcpman_notes'];
      expect(entry?.url).toBe(new URL('/profiles/notes/mcp', base).toString());
      const client = new Client({ name: 'cursor-like', version: '1' });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(entry!.url), { requestInit: { headers: entry!.headers } }),
      );
      expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual([...expected].sort());
      await client.close();
      await connections.disconnect({ client: 'cursor', profile: 'notes' });
      expect(await tokens.verify(entry!.headers['Authorization']!.replace('Bearer ', ''))).toBeUndefined();
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
