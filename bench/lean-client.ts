import { Pool } from 'undici';
import type { EchoTarget } from './workload.js';

/**
 * A minimal Streamable HTTP MCP client: initialize once, then each call is one POST over a
 * keep-alive connection pool, its answer read as JSON or as an SSE stream. It does what every
 * client must and nothing else, so the figures show the gateways, not the client library
 * (SDK v1's client costs more CPU per call than the fastest gateway here).
 */
export async function leanHttpTarget(
  label: string,
  url: string | readonly string[],
  connections = 64,
): Promise<EchoTarget> {
  // Several URLs: replicas of one cluster. The session is opened on the first and each call
  // goes to the next replica in turn, as a load balancer without affinity would send them.
  const urls = typeof url === 'string' ? [url] : url;
  const endpoints = urls.map((each) => new URL(each));
  const pools = endpoints.map(
    (each) => new Pool(each.origin, { connections: Math.ceil(connections / urls.length), pipelining: 1 }),
  );
  const endpoint = endpoints[0] ?? new URL(String(url));
  const pool = pools[0] ?? new Pool(endpoint.origin, { connections, pipelining: 1 });
  let turn = 0;
  const baseHeaders: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
  };
  let nextId = 1;
  const post = async (
    message: Record<string, unknown>,
    headers: Record<string, string>,
    via: Pool = pool,
  ): Promise<{ status: number; headers: Record<string, unknown>; body: string }> => {
    const response = await via.request({
      path: endpoint.pathname,
      method: 'POST',
      headers: { ...baseHeaders, ...headers },
      body: JSON.stringify(message),
    });
    return { status: response.statusCode, headers: response.headers, body: await response.body.text() };
  };
  const answer = (text: string, id: number): Record<string, unknown> => {
    if (text.startsWith('{')) return JSON.parse(text) as Record<string, unknown>;
    for (const line of text.split('\n')) {
      if (!line.startsWith('data:')) continue;
      const data = line.slice(5).trim();
      if (data === '') continue;
      const message = JSON.parse(data) as Record<string, unknown>;
      if (message['id'] === id) return message;
    }
    throw new Error(`no answer to request ${id} in: ${text.slice(0, 200)}`);
  };
  const init = await post(
    {
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: {
        protocolVersion: '2025-11-25',
        capabilities: {},
        clientInfo: { name: 'mcpman-bench', version: '1' },
      },
    },
    {},
  );
  const session = init.headers['mcp-session-id'];
  if (init.status !== 200 || typeof session !== 'string')
    throw new Error(`initialize failed: ${init.status} ${init.body}`);
  const headers = { 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' };
  await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, headers);
  return {
    label,
    call: async () => {
      const id = nextId++;
      const via = pools[turn++ % pools.length] ?? pool;
      const reply = await post(
        { jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { message: 'hi' } } },
        headers,
        via,
      );
      const message = answer(reply.body, id);
      const result = message['result'] as { isError?: boolean } | undefined;
      if (result === undefined || result.isError === true) throw new Error(`echo failed: ${reply.body}`);
    },
    close: async () => {
      await pool.request({ path: endpoint.pathname, method: 'DELETE', headers }).then(
        (response) => response.body.dump(),
        () => undefined,
      );
      await Promise.all(pools.map((each) => each.close()));
    },
  };
}
