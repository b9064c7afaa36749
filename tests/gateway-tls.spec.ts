import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { status } from '@grpc/grpc-js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { WebSocketClientTransport } from '@modelcontextprotocol/sdk/client/websocket.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  Client as ClientV2,
  StreamableHTTPClientTransport as StreamableV2,
} from '@modelcontextprotocol/client';
import { Agent, fetch as undiciFetch } from 'undici';
import { WebSocket } from 'ws';
import {
  GatewayServer,
  GrpcCallError,
  McpGrpcClient,
  loadTlsMaterial,
  makeDevCertificates,
  writeDevCertificates,
} from '@mcpman/gateway';
import type { DevCertificateFiles } from '@mcpman/gateway';
import { RuntimeDirectory } from '@mcpman/manager';
import type { JsonRpcNotification } from '@mcpman/protocol';
import { RuntimeHarness, resultText } from './helpers/runtime.js';
import { inspectorCallTool, npmTool } from './helpers/tools.js';
import { EVERYTHING } from './helpers/workspace.js';

interface ClientTls {
  readonly ca: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
}

/** fetch that trusts our development CA (and presents a client certificate when given one). */
function tlsFetch(tls: ClientTls): typeof fetch {
  const agent = new Agent({ connect: tls });
  return ((url: string | URL, init?: RequestInit) =>
    undiciFetch(url, { ...(init as object), dispatcher: agent })) as unknown as typeof fetch;
}

let wsTls: ClientTls | undefined;
// The SDK's WebSocket client builds `new WebSocket(url, 'mcp')` from the global; this one
// trusts the test CA, as a browser would once the CA is installed.
(globalThis as { WebSocket?: unknown }).WebSocket = class extends WebSocket {
  constructor(url: string | URL, protocols?: string | string[]) {
    super(url, protocols, { ...wsTls });
  }
};

/** What happens to a connection attempt: 'ok', or the error's message. */
function settle(attempt: Promise<unknown>): Promise<string> {
  return attempt.then(
    () => 'ok',
    (error: unknown) => String(error instanceof Error && error.cause !== undefined ? error.cause : error),
  );
}

function wsOpens(url: string, options: ClientTls | Record<string, never> = {}): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, 'mcp', options);
    ws.once('open', () => {
      ws.close();
      resolve('ok');
    });
    ws.once('error', (error) => {
      resolve(String(error));
    });
  });
}

/**
 * Every client transport over TLS: https (Streamable HTTP, legacy SSE), wss, TLS gRPC and the
 * stdio bridge, with a CA-signed certificate from `makeDevCertificates`; plain connections to
 * the same ports are refused. Then mTLS: only clients with a certificate from the client CA.
 */
describe('the gateway over TLS', () => {
  let h: RuntimeHarness;
  let base: URL;
  let certs: DevCertificateFiles;
  let ca: Buffer;
  const clients: { close(): Promise<void> | void }[] = [];

  const v1 = async (transport: Transport): Promise<Client> => {
    const client = new Client({ name: 'tls-test', version: '1' });
    await client.connect(transport);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    h = await RuntimeHarness.create();
    certs = await writeDevCertificates(
      h.workspace.path('tls'),
      await makeDevCertificates({ clients: ['alice'] }),
    );
    ca = await readFile(certs.caCert);
    wsTls = { ca };
    // Relative to the config file, as users write them.
    base = await h.startGateway(
      `  everything:\n    source: ${EVERYTHING}\n`,
      '{ tls: { cert: tls/server.pem, key: tls/server-key.pem } }',
    );
  });

  afterAll(async () => {
    for (const client of clients) await client.close();
    await h.dispose();
  });

  it('serves https with the configured certificate', () => {
    expect(base.protocol).toBe('https:');
  });

  it('serves the SDK v1 client over https (Streamable HTTP and SSE) and wss', async () => {
    const fetch = tlsFetch({ ca });
    const transports: [string, Transport][] = [
      ['https', new StreamableHTTPClientTransport(new URL('/servers/everything/mcp', base), { fetch })],
      // eslint-disable-next-line @typescript-eslint/no-deprecated
      ['sse', new SSEClientTransport(new URL('/servers/everything/sse', base), { fetch })],
      ['wss', new WebSocketClientTransport(new URL(`wss://${base.host}/servers/everything/ws`))],
    ];
    for (const [label, transport] of transports) {
      const client = await v1(transport);
      expect(resultText(await client.callTool({ name: 'echo', arguments: { message: label } }))).toBe(
        `Echo: ${label}`,
      );
    }
  });

  it('serves the SDK v2 client in auto mode over https', async () => {
    const client = new ClientV2({ name: 'tls-v2', version: '1' }, { versionNegotiation: { mode: 'auto' } });
    await client.connect(new StreamableV2(new URL('/mcp', base), { fetch: tlsFetch({ ca }) }));
    clients.push(client);
    const result = await client.callTool({ name: 'everything__echo', arguments: { message: 'v2' } });
    expect(resultText(result as Record<string, unknown>)).toBe('Echo: v2');
  });

  it('serves TLS gRPC, progress included', async () => {
    const grpc = new McpGrpcClient({ address: h.gateway!.grpcAddress!, server: 'everything', tls: { ca } });
    clients.push(grpc);
    const progress: JsonRpcNotification[] = [];
    const result = await grpc.callTool(
      'trigger-long-running-operation',
      { duration: 0.2, steps: 2 },
      { progressToken: 't', onNotification: (n) => progress.push(n) },
    );
    expect(resultText(result)).toContain('completed');
    expect(progress.map((n) => n.params?.['progress'])).toEqual([1, 2]);
  });

  it('serves a desktop-style client through `mcpman connect --ca`', async () => {
    const bin = new URL('../packages/cli/bin/mcpman.js', import.meta.url).pathname;
    const client = new Client({ name: 'desktop', version: '1' });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [bin, 'connect', 'everything', '--url', base.toString(), '--ca', certs.caCert],
        stderr: 'pipe',
      }),
    );
    clients.push(client);
    expect(resultText(await client.callTool({ name: 'echo', arguments: { message: 'stdio' } }))).toBe(
      'Echo: stdio',
    );
  });

  it('lets the MCP Inspector CLI list and call tools over https', async () => {
    const cli = `${await npmTool('@modelcontextprotocol/inspector@2.12.0')}/clients/launcher/build/index.js`;
    const home = h.workspace.path('inspector-home');
    for (const [path, tool] of [
      ['/mcp', 'everything__echo'],
      ['/servers/everything/mcp', 'echo'],
      ['/sse', 'everything__echo'],
    ] as const) {
      const url = new URL(path, base).toString();
      const call = await inspectorCallTool(cli, url, tool, 'tls', {
        home,
        env: { NODE_EXTRA_CA_CERTS: certs.caCert },
      });
      expect(call.code, call.stderr).toBe(0);
      expect(JSON.parse(call.stdout), path).toEqual({
        result: { content: [{ type: 'text', text: 'Echo: tls' }] },
      });
    }
  });

  it('refuses plain connections and clients that do not trust the certificate', async () => {
    const plain = new URL(base);
    plain.protocol = 'http:';
    expect(await settle(fetch(new URL('/healthz', plain)))).not.toBe('ok');
    expect(await wsOpens(`ws://${base.host}/ws`)).not.toBe('ok');
    const insecure = new McpGrpcClient({ address: h.gateway!.grpcAddress! });
    clients.push(insecure);
    const refused = await insecure.listTools().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(GrpcCallError);
    expect((refused as GrpcCallError).status).toBe(status.UNAVAILABLE);
    // TLS that does not verify the gateway's certificate is refused by the client itself.
    expect(await settle(fetch(new URL('/healthz', base)))).toMatch(/certificate/i);
    // And the trusting client gets through.
    expect(await settle(tlsFetch({ ca })(new URL('/healthz', base)))).toBe('ok');
  });

  describe('with clientCa (mTLS)', () => {
    let mtls: GatewayServer;
    let mtlsBase: URL;
    let alice: ClientTls;

    beforeAll(async () => {
      alice = {
        ca,
        cert: await readFile(certs.clients['alice']!.cert),
        key: await readFile(certs.clients['alice']!.key),
      };
      const config = h.config!.gateway;
      mtls = new GatewayServer({
        config: { ...config, listen: '127.0.0.1:0', grpc: { ...config.grpc, listen: '127.0.0.1:0' } },
        directory: new RuntimeDirectory(h.runtime!),
        serverInfo: { name: 'mcpman', version: 'test' },
        stateDir: h.workspace.path('state'),
        tls: await loadTlsMaterial(
          { cert: certs.serverCert, key: certs.serverKey, clientCa: certs.caCert, minVersion: 'TLSv1.2' },
          '/',
        ),
      });
      mtlsBase = await mtls.start();
    });

    afterAll(async () => {
      await mtls.close();
    });

    it('serves clients with a certificate from the client CA on every transport', async () => {
      const client = await v1(
        new StreamableHTTPClientTransport(new URL('/servers/everything/mcp', mtlsBase), {
          fetch: tlsFetch(alice),
        }),
      );
      expect(resultText(await client.callTool({ name: 'echo', arguments: { message: 'mtls' } }))).toBe(
        'Echo: mtls',
      );
      expect(await wsOpens(`wss://${mtlsBase.host}/ws`, alice)).toBe('ok');
      const grpc = new McpGrpcClient({ address: mtls.grpcAddress!, server: 'everything', tls: alice });
      clients.push(grpc);
      expect(resultText(await grpc.callTool('echo', { message: 'grpc mtls' }))).toBe('Echo: grpc mtls');

      const bin = new URL('../packages/cli/bin/mcpman.js', import.meta.url).pathname;
      const desktop = new Client({ name: 'desktop', version: '1' });
      await desktop.connect(
        new StdioClientTransport({
          command: process.execPath,
          args: [
            bin,
            'connect',
            'everything',
            '--url',
            mtlsBase.toString(),
            '--ca',
            certs.caCert,
            '--cert',
            certs.clients['alice']!.cert,
            '--key',
            certs.clients['alice']!.key,
          ],
          stderr: 'pipe',
        }),
      );
      clients.push(desktop);
      expect(resultText(await desktop.callTool({ name: 'echo', arguments: { message: 'x' } }))).toBe(
        'Echo: x',
      );
    });

    it('refuses clients without a certificate', async () => {
      expect(await settle(tlsFetch({ ca })(new URL('/healthz', mtlsBase)))).not.toBe('ok');
      expect(await wsOpens(`wss://${mtlsBase.host}/ws`, { ca })).not.toBe('ok');
      const grpc = new McpGrpcClient({ address: mtls.grpcAddress!, tls: { ca } });
      clients.push(grpc);
      const refused = await grpc.listTools().catch((error: unknown) => error);
      expect((refused as GrpcCallError).status).toBe(status.UNAVAILABLE);
    });
  });
});
