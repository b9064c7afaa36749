import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { WebSocketClientTransport } from '@modelcontextprotocol/sdk/client/websocket.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { WebSocket } from 'ws';
import { McpGrpcClient } from '@mcpman/gateway';
import type { EchoTarget } from './workload.js';

// The SDK's WebSocket client uses the global WebSocket, which Node 20 does not have.
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

export const REPO = new URL('..', import.meta.url).pathname;

// The SDK deprecates its legacy SSE client; it is measured because older clients still use it.
// eslint-disable-next-line @typescript-eslint/no-deprecated
export const legacySse = (url: URL): Transport => new SSEClientTransport(url);

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (typeof address === 'object' && address !== null) resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}

/** An MCP client over `transport` that calls echo. */
export async function clientTarget(
  label: string,
  transport: Transport,
  toolName = 'echo',
  onClose?: () => Promise<void>,
): Promise<EchoTarget> {
  const client = new Client({ name: 'mcpman-bench', version: '1' });
  await client.connect(transport);
  return {
    label,
    call: async () => {
      const result = await client.callTool({ name: toolName, arguments: { message: 'hi' } });
      if (result.isError === true) throw new Error('echo failed');
    },
    close: async () => {
      await client.close();
      await onClose?.();
    },
  };
}

/** The server in its container, the SDK client spawning `podman run -i` itself: the baseline. */
export function directStdio(image: string): Promise<EchoTarget> {
  return clientTarget(
    'direct stdio (podman run -i)',
    new StdioClientTransport({
      command: 'podman',
      args: ['run', '-i', '--rm', '--init', '--network', 'none', image, 'stdio'],
      stderr: 'ignore',
    }),
  );
}

export function gatewayTarget(
  transport: 'streamable-http' | 'sse' | 'websocket',
  base: URL,
): Promise<EchoTarget> {
  switch (transport) {
    case 'streamable-http':
      return clientTarget(
        'mcpman, Streamable HTTP (SDK v1)',
        new StreamableHTTPClientTransport(new URL('/servers/everything/mcp', base)),
      );
    case 'sse':
      return clientTarget('mcpman, legacy SSE', legacySse(new URL('/servers/everything/sse', base)));
    case 'websocket':
      return clientTarget(
        'mcpman, WebSocket',
        new WebSocketClientTransport(new URL(`ws://${base.host}/servers/everything/ws`)),
      );
  }
}

/** The gateway's gRPC transport, through the typed client generated from our proto. */
export function grpcTarget(address: string, label = 'mcpman, gRPC (an RPC per call)'): Promise<EchoTarget> {
  const client = new McpGrpcClient({ address, server: 'everything' });
  return Promise.resolve({
    label,
    call: async () => {
      const result = await client.callTool('echo', { message: 'hi' });
      if (result['isError'] === true) throw new Error('echo failed');
    },
    close: () => {
      client.close();
      return Promise.resolve();
    },
  });
}

/** The gateway's gRPC Session stream: one long-lived bidirectional stream, JSON-RPC both ways. */
export async function grpcSessionTarget(address: string): Promise<EchoTarget> {
  const client = new McpGrpcClient({ address, server: 'everything' });
  const session = client.openSession();
  await session.initialize();
  return {
    label: 'mcpman, gRPC (Session stream)',
    call: async () => {
      const result = await session.request('tools/call', { name: 'echo', arguments: { message: 'hi' } });
      if (result['isError'] === true) throw new Error('echo failed');
    },
    close: async () => {
      await session.close();
      client.close();
    },
  };
}

/** Wait until a child process's HTTP endpoint answers. */
async function waitForHttp(url: string, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: the process exited with ${child.exitCode}`);
    try {
      await fetch(url, { method: 'GET', signal: AbortSignal.timeout(1_000) });
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

export function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) {
      resolve();
      return;
    }
    child.once('exit', () => {
      resolve();
    });
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
  });
}

const PEERS_DIR = join(REPO, 'bench/.peers');
export const PEER_VERSIONS = { supergateway: '4.0.0', 'mcp-proxy': '6.7.19' } as const;

/** Install the peers (into bench/.peers, not the project's dependencies) when missing. */
export async function ensurePeers(): Promise<void> {
  if (
    existsSync(join(PEERS_DIR, 'node_modules/.bin/supergateway')) &&
    existsSync(join(PEERS_DIR, 'node_modules/.bin/mcp-proxy'))
  )
    return;
  await new Promise<void>((resolve, reject) => {
    const child = spawn(
      'npm',
      [
        'install',
        '--prefix',
        PEERS_DIR,
        '--no-audit',
        '--no-fund',
        '--loglevel=error',
        ...Object.entries(PEER_VERSIONS).map(([name, version]) => `${name}@${version}`),
      ],
      { stdio: 'inherit' },
    );
    child.on('exit', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`installing the peers failed (${code})`));
    });
  });
}

export function httpTarget(label: string, url: string): Promise<EchoTarget> {
  return clientTarget(label, new StreamableHTTPClientTransport(new URL(url)));
}

/** A peer (supergateway or mcp-proxy) fronting the same image over Streamable HTTP. */
export async function startPeer(
  peer: keyof typeof PEER_VERSIONS,
  image: string,
): Promise<{ url: string; label: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const podman = `podman run -i --rm --init --network none ${image} stdio`;
  const bin = join(PEERS_DIR, 'node_modules/.bin', peer);
  const args =
    peer === 'supergateway'
      ? [
          '--stdio',
          podman,
          '--outputTransport',
          'streamableHttp',
          '--stateful',
          '--port',
          String(port),
          '--logLevel',
          'none',
        ]
      : ['--port', String(port), '--host', '127.0.0.1', '--', ...podman.split(' ')];
  const child = spawn(bin, args, { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}/mcp`;
  try {
    await waitForHttp(url, child);
  } catch (error) {
    await stop(child);
    throw error;
  }
  return { url, label: `${peer} ${PEER_VERSIONS[peer]}, Streamable HTTP`, stop: () => stop(child) };
}

/** The instant responder (bench/instant-responder.mjs) in its own process: the HTTP floor. */
export async function startInstantResponder(): Promise<{ url: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(REPO, 'bench/instant-responder.mjs'), String(port)], {
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}/mcp`;
  await waitForHttp(url, child);
  return { url, stop: () => stop(child) };
}

/**
 * An instant gRPC responder in its own process: `grpc-js` (bench/instant-grpc-responder.mjs), the
 * gRPC floor, or `http2` (bench/instant-h2-responder.mjs), bare node:http2 with no gRPC library.
 */
export async function startInstantGrpcResponder(
  kind: 'grpc-js' | 'http2' = 'grpc-js',
): Promise<{ address: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const script = kind === 'grpc-js' ? 'bench/instant-grpc-responder.mjs' : 'bench/instant-h2-responder.mjs';
  const child = spawn(process.execPath, [join(REPO, script), String(port)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.once('data', () => {
        resolve();
      });
      child.once('exit', (code) => {
        reject(new Error(`the ${kind} responder exited with ${code}`));
      });
    });
  } catch (error) {
    await stop(child);
    throw error;
  }
  return { address: `127.0.0.1:${port}`, stop: () => stop(child) };
}

/** Our gateway in its own process (`mcpman up`), as users run it. */
export async function startGateway(
  configPath: string,
  nodeArgs: readonly string[] = [],
  /** Another checkout whose build to run (the bench's `--baseline`); its own state directory. */
  repo: string = REPO,
): Promise<{ base: URL; grpc: string; pid: number; stop: () => Promise<void> }> {
  const port = await freePort();
  const grpcPort = await freePort();
  const child = spawn(
    process.execPath,
    [
      ...nodeArgs,
      join(repo, 'packages/cli/bin/mcpman.js'),
      'up',
      '-f',
      configPath,
      '--port',
      String(port),
      '--grpc-port',
      String(grpcPort),
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, MCPMAN_STATE_DIR: join(repo, 'bench/.state') },
    },
  );
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (/servers ready/.test(output)) resolve();
    });
    child.on('exit', (code) => {
      reject(new Error(`mcpman up exited with ${code}:\n${output}`));
    });
  });
  return {
    base: new URL(`http://127.0.0.1:${port}`),
    grpc: `127.0.0.1:${grpcPort}`,
    pid: child.pid ?? 0,
    stop: () => stop(child),
  };
}
