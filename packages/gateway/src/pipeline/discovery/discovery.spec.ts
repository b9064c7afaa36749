import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { McpServer } from '@modelcontextprotocol/server';
import type { JsonObject } from '@mcpman/protocol';
import { startInProcessGateway } from '../../testing/in-process-gateway.js';
import type { InProcessGateway } from '../../testing/in-process-gateway.js';
import { InProcessDirectory } from '../../testing/in-process-server.js';
import { ToolIndex } from './tool-index.js';

const ok = (): { content: { type: 'text'; text: string }[] } => ({ content: [{ type: 'text', text: 'ok' }] });

/** A server with tools a model would look for by task. */
function trackerServer(name: string): McpServer {
  const server = new McpServer({ name, version: '1.0.0' }, { capabilities: { tools: {} } });
  server.registerTool(
    'search_issues',
    {
      description: 'Search the issues of a repository by text, label or state.',
      inputSchema: z.object({ query: z.string().describe('Words to look for'), repo: z.string() }),
    },
    ok,
  );
  server.registerTool(
    'createPullRequest',
    {
      description: 'Open a pull request from a branch.',
      inputSchema: z.object({ head: z.string(), base: z.string() }),
    },
    ok,
  );
  server.registerTool(
    'read_file',
    {
      description: 'Read the contents of a file in the repository.',
      inputSchema: z.object({ path: z.string().describe('File path') }),
    },
    ({ path }: { path: string }) => ({ content: [{ type: 'text', text: `contents of ${path}` }] }),
  );
  return server;
}

describe('ToolIndex', () => {
  const tool = (name: string, description: string, params: JsonObject = {}): JsonObject => ({
    name,
    description,
    inputSchema: { type: 'object', properties: params },
  });

  it('ranks by what a task says, over names, descriptions and parameters', () => {
    const index = new ToolIndex();
    index.update('tracker', [
      tool('search_issues', 'Search the issues of a repository.'),
      tool('read_file', 'Read the contents of a file.', {
        path: { type: 'string', description: 'File path' },
      }),
      tool('createPullRequest', 'Open a pull request from a branch.'),
    ]);
    index.update('weather', [tool('forecast', 'The weather forecast for a city.')]);
    const first = (query: string): string | undefined => {
      const [best] = index.find(query, 3, () => true);
      return best === undefined ? undefined : `${best.server}__${best.name}`;
    };
    expect(first('find open issues about login')).toBe('tracker__search_issues');
    expect(first('show me what is in a file')).toBe('tracker__read_file');
    expect(first('create a pull request')).toBe('tracker__createPullRequest');
    expect(first('will it rain in Paris tomorrow? weather')).toBe('weather__forecast');
    expect(index.find('issues', 3, (t) => t.server !== 'tracker')).toEqual([]);
  });

  it('re-indexes a server only when its list changes, and forgets a removed one', () => {
    const index = new ToolIndex();
    const list = [tool('echo', 'Echo the message back.')];
    index.update('alpha', list);
    index.update('alpha', list);
    expect(index.size).toBe(1);
    index.update('alpha', [tool('echo', 'Echo.'), tool('shout', 'Echo the message loudly.')]);
    expect(index.size).toBe(2);
    expect(index.get('alpha__shout')?.name).toBe('shout');
    index.remove('alpha');
    expect([index.size, index.get('alpha__echo')]).toEqual([0, undefined]);
  });
});

describe('on-demand discovery on /mcp and on a profile', () => {
  let directory: InProcessDirectory;
  let gateway: InProcessGateway;
  let base: URL;
  const clients: Client[] = [];

  beforeAll(async () => {
    directory = new InProcessDirectory();
    await directory.add('tracker', {
      factory: trackerServer,
      tools: { allow: ['*'], deny: ['createPullRequest'] },
    });
    await directory.add('alpha');
    directory.setProfiles({
      reader: {
        servers: { tracker: { tools: { allow: ['read_file'], deny: [] } } },
        discovery: { mode: 'find', results: 5 },
      },
      plain: { servers: { alpha: { tools: { allow: ['*'], deny: [] } } } },
    });
    gateway = await startInProcessGateway(directory, { discovery: { mode: 'find', results: 3 } });
    base = gateway.base;
  });

  afterAll(async () => {
    await Promise.allSettled(clients.map((client) => client.close()));
    await gateway.close();
  });

  async function connect(path: string): Promise<Client> {
    const client = new Client({ name: 'discovery-spec', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(path, base)));
    clients.push(client);
    return client;
  }

  const found = async (client: Client, query: string): Promise<string[]> => {
    const result = await client.callTool({ name: 'find_tools', arguments: { query } });
    return (result.structuredContent as { tools: { name: string }[] }).tools.map((tool) => tool.name);
  };

  it('lists the three gateway tools instead of every tool, each described for a model', async () => {
    const client = await connect('/mcp');
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(['find_tools', 'call_tool', 'describe_tool']);
    expect(tools[0]?.description).toMatch(/Describe the task in plain words/);
    expect(tools[0]?.inputSchema.required).toEqual(['query']);
  });

  it('finds tools by task, with their input schema, and calls them by name', async () => {
    const client = await connect('/mcp');
    const result = await client.callTool({
      name: 'find_tools',
      arguments: { query: 'read a file', limit: 1 },
    });
    const tools = (result.structuredContent as { tools: { name: string; inputSchema: JsonObject }[] }).tools;
    expect(tools.map((tool) => tool.name)).toEqual(['tracker__read_file']);
    expect(tools[0]?.inputSchema).toMatchObject({ properties: { path: { type: 'string' } } });
    expect(await found(client, 'echo a message back')).toEqual(expect.arrayContaining(['alpha__echo']));

    const called = await client.callTool({
      name: 'call_tool',
      arguments: { name: 'tracker__read_file', arguments: { path: 'README.md' } },
    });
    expect(called.content).toEqual([{ type: 'text', text: 'contents of README.md' }]);
    const described = await client.callTool({ name: 'describe_tool', arguments: { name: 'alpha__echo' } });
    expect((described.structuredContent as { tool: { description: string } }).tool.description).toBe(
      'Echo the message back.',
    );
  });

  it("honours the server's tools filter: a hidden tool is neither found nor called", async () => {
    const client = await connect('/mcp');
    expect(await found(client, 'open a pull request from a branch')).not.toContain(
      'tracker__createPullRequest',
    );
    await expect(
      client.callTool({
        name: 'call_tool',
        arguments: { name: 'tracker__createPullRequest', arguments: {} },
      }),
    ).rejects.toMatchObject({ code: -32602 });
    await expect(
      client.callTool({ name: 'describe_tool', arguments: { name: 'tracker__createPullRequest' } }),
    ).rejects.toMatchObject({ code: -32602 });
    await expect(
      client.callTool({ name: 'call_tool', arguments: { name: 'call_tool' } }),
    ).rejects.toMatchObject({
      code: -32602,
    });
    await expect(client.callTool({ name: 'find_tools', arguments: {} })).rejects.toMatchObject({
      code: -32602,
    });
  });

  it("searches only a profile's share on its endpoint, and leaves a profile without discovery listing its tools", async () => {
    const reader = await connect('/profiles/reader/mcp');
    expect((await reader.listTools()).tools.map((tool) => tool.name)).toEqual([
      'find_tools',
      'call_tool',
      'describe_tool',
    ]);
    expect(await found(reader, 'search issues')).toEqual([]);
    expect(await found(reader, 'echo')).toEqual([]);
    expect(await found(reader, 'file contents')).toEqual(['tracker__read_file']);
    await expect(
      reader.callTool({ name: 'call_tool', arguments: { name: 'alpha__echo', arguments: { message: 'x' } } }),
    ).rejects.toMatchObject({ code: -32602 });
    const plain = await connect('/profiles/plain/mcp');
    expect((await plain.listTools()).tools.map((tool) => tool.name)).toContain('alpha__echo');
  });
});
