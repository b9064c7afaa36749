import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { startInProcessGateway } from '../testing/in-process-gateway.js';
import type { InProcessGateway } from '../testing/in-process-gateway.js';
import { InProcessDirectory } from '../testing/in-process-server.js';

/*
 * The era matrix: a session-era (2025-11-25) and a 2026-07-28 client, each on a server of
 * either era, on the server's own endpoint and on the merged /mcp. Every cell lists, calls,
 * reads and gets the same things; the gateway bridges whatever the two eras differ in. Real
 * SDK clients and servers, in this process: a matrix that took minutes through Podman runs
 * here in about a second.
 */

type ClientEra = 'session' | 'stateless';
type ServerEra = 'session' | 'stateless';
type Endpoint = 'own' | 'merged';

const SERVERS: Record<ServerEra, string> = { session: 'classic', stateless: 'modern' };

describe('every client era on every server era, on its own endpoint and on /mcp', () => {
  let directory: InProcessDirectory;
  let gateway: InProcessGateway;
  let base: URL;
  const clients: Client[] = [];

  beforeAll(async () => {
    directory = new InProcessDirectory();
    await directory.add(SERVERS.session, { protocolVersion: '2025-11-25' });
    await directory.add(SERVERS.stateless, { protocolVersion: '2026-07-28' });
    gateway = await startInProcessGateway(directory);
    base = gateway.base;
  });

  afterAll(async () => {
    await Promise.allSettled(clients.map((client) => client.close()));
    await gateway.close();
  });

  async function connect(era: ClientEra, path: string): Promise<Client> {
    const client = new Client(
      { name: `matrix-${era}`, version: '1' },
      {
        capabilities: { elicitation: { form: {} } },
        ...(era === 'stateless' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {}),
      },
    );
    // The user's answer, however the server's era asks for it (a request, or input_required).
    client.setRequestHandler('elicitation/create', () => ({
      action: 'accept',
      content: { name: `a ${era} user` },
    }));
    await client.connect(new StreamableHTTPClientTransport(new URL(path, base)));
    clients.push(client);
    return client;
  }

  const text = (result: unknown): string =>
    ((result as { content?: { text?: string }[] }).content ?? []).map((c) => c.text ?? '').join('');

  const cells: { client: ClientEra; server: ServerEra; endpoint: Endpoint }[] = [];
  for (const client of ['session', 'stateless'] as const)
    for (const server of ['session', 'stateless'] as const)
      for (const endpoint of ['own', 'merged'] as const) cells.push({ client, server, endpoint });

  it.each(cells)(
    '$client client, $server server, $endpoint endpoint',
    async ({ client: era, server, endpoint }) => {
      const name = SERVERS[server];
      const client = await connect(era, endpoint === 'own' ? `/servers/${name}/mcp` : '/mcp');
      expect(client.getProtocolEra()).toBe(era === 'stateless' ? 'modern' : 'legacy');
      const named = (item: string): string => (endpoint === 'own' ? item : `${name}__${item}`);

      const tools = (await client.listTools()).tools.map((t) => t.name);
      expect(tools).toEqual(expect.arrayContaining([named('echo'), named('fail'), named('wait')]));
      if (endpoint === 'merged')
        expect(tools).toContain(`${SERVERS[server === 'session' ? 'stateless' : 'session']}__echo`);

      expect(
        text(await client.callTool({ name: named('echo'), arguments: { message: 'across eras' } })),
      ).toBe('Echo: across eras');
      const failed = await client.callTool({ name: named('fail'), arguments: {} });
      expect([failed.isError, text(failed)]).toEqual([true, 'it failed']);

      // On /mcp a resource's URI says its server (mcpman://<server>/…), so a client can read it back.
      const uri = endpoint === 'own' ? 'file:///readme.txt' : `mcpman://${name}/file:///readme.txt`;
      const resources = (await client.listResources()).resources.filter((r) => r.uri === uri);
      expect(resources).toHaveLength(1);
      const read = await client.readResource({ uri: resources[0]!.uri });
      expect(read.contents.map((c) => ('text' in c ? c.text : ''))).toEqual([`${name} readme`]);

      // A server asking its user: through the bridge when the two eras ask differently.
      expect(text(await client.callTool({ name: named('ask'), arguments: {} }))).toBe(`Hello, a ${era} user`);

      const prompt = await client.getPrompt({ name: named('greet') });
      expect(prompt.messages.map((m) => (m.content.type === 'text' ? m.content.text : ''))).toEqual([
        `hello from ${name}`,
      ]);
    },
  );
});
