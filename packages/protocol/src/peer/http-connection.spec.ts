import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sameOriginFetch } from './http-connection.js';

async function listen(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('headers sent upstream never follow a redirect to another host', () => {
  let elsewhere: { server: Server; url: string };
  let upstream: { server: Server; url: string };
  const seen: IncomingHttpHeaders[] = [];

  beforeAll(async () => {
    elsewhere = await listen((req, res) => {
      seen.push(req.headers);
      res.end('{}');
    });
    upstream = await listen((req, res) => {
      if (req.url === '/moved') res.writeHead(307, { location: '/mcp' }).end();
      else if (req.url === '/away') res.writeHead(307, { location: `${elsewhere.url}/collect` }).end();
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });

  afterAll(async () => {
    await new Promise((resolve) => elsewhere.server.close(resolve));
    await new Promise((resolve) => upstream.server.close(resolve));
  });

  const init = { method: 'POST', headers: { 'x-api-key': 'from-a-secret' }, body: '{}' };

  it('follows a redirect within the origin', async () => {
    const response = await sameOriginFetch(`${upstream.url}/moved`, init);
    expect(await response.json()).toEqual({ ok: true });
  });

  it('refuses a redirect to another origin, which never sees the key', async () => {
    await expect(sameOriginFetch(`${upstream.url}/away`, init)).rejects.toThrow(
      /redirected to http:\/\/127\.0\.0\.1:\d+; mcpman follows redirects only within/,
    );
    expect(seen).toEqual([]);
  });
});
