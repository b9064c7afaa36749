import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { FileTokenStore, GatewayConfigSchema } from '@mcpman/core';
import {
  ERA_HTTP_STATUS,
  MCPErrorCode,
  META,
  STATELESS_ERA_VERSION,
  grpcStatusFor,
  httpStatusFor,
  jsonRpcCodeFor,
} from '@mcpman/protocol';
import { GatewayServer, GrpcCallError, McpGrpcClient } from '@mcpman/gateway';
import { InProcessDirectory } from '@mcpman/gateway/testing';
import { StdioHttpBridge } from './bridge/stdio-http-bridge.js';
import { runCli } from './program.js';

/*
 * The wire-error contract: each refusal reads the same on every transport that can make it, the
 * JSON-RPC error (code and our data.code) from the one table in core/src/errors/codes.ts, and the
 * transport's own status from the same row (HTTP status, gRPC status; the spec's per-era HTTP
 * status where it has one). Against a real gateway with in-process MCP servers: no Podman.
 */

/** What a client reads of a refusal, whatever carried it. */
interface Answer {
  readonly code: number | undefined;
  readonly data: string | undefined;
  /** HTTP status, or gRPC status for gRPC; undefined where the wire has none (stdio). */
  readonly status: number | undefined;
}

function errorOf(body: unknown): { code: number | undefined; data: string | undefined } {
  const error = (body as { error?: { code?: unknown; data?: { code?: unknown } } } | undefined)?.error;
  return {
    code: typeof error?.code === 'number' ? error.code : undefined,
    data: typeof error?.data?.code === 'string' ? error.data.code : undefined,
  };
}

const expected = (code: MCPErrorCode, status: number | undefined): Answer => ({
  code: jsonRpcCodeFor(code),
  data: code,
  status,
});

describe('one wire-error contract over HTTP, SSE, WebSocket, gRPC and stdio', () => {
  let directory: InProcessDirectory;
  let open: GatewayServer;
  let guarded: GatewayServer;
  let openUrl: URL;
  let guardedUrl: URL;
  let bridge: StdioHttpBridge;
  let bridgeUrl: URL;
  let stateDir: string;

  const gateway = (auth: unknown): GatewayServer =>
    new GatewayServer({
      config: GatewayConfigSchema.parse({ listen: '127.0.0.1:0', grpc: { listen: '127.0.0.1:0' }, auth }),
      directory,
      serverInfo: { name: 'mcpman', version: 'test' },
      stateDir,
      tokens: new FileTokenStore(join(stateDir, `tokens-${Math.random().toString(36).slice(2)}.json`)),
    });

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'mcpman-contract-'));
    directory = new InProcessDirectory();
    await directory.add('alpha');
    open = gateway({ mode: 'none' });
    guarded = gateway({ mode: 'token' });
    openUrl = await open.start();
    guardedUrl = await guarded.start();
    // Never spawns its command: every request here is refused before a session would start one.
    bridge = new StdioHttpBridge({ command: [process.execPath, '-e', ''], host: '127.0.0.1', port: 0 });
    bridgeUrl = new URL(`http://127.0.0.1:${await bridge.listen()}/mcp`);
  });

  afterAll(async () => {
    await bridge.close();
    await open.close();
    await guarded.close();
    directory.dispose();
    await rm(stateDir, { recursive: true, force: true });
  });

  const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  const initialize = {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: {
      protocolVersion: '2025-11-25',
      capabilities: {},
      clientInfo: { name: 'contract', version: '1' },
    },
  };
  const statelessMeta = {
    [META.protocolVersion]: STATELESS_ERA_VERSION,
    [META.clientCapabilities]: {},
    [META.clientInfo]: { name: 'contract', version: '1' },
  };

  async function http(
    url: URL,
    init: { method?: string; headers?: Record<string, string>; body?: string } = {},
  ): Promise<Answer> {
    const res = await fetch(url, {
      method: init.method ?? 'POST',
      headers: { ...JSON_HEADERS, ...init.headers },
      ...(init.body === undefined ? {} : { body: init.body }),
    });
    const body: unknown = await res.json().catch(() => undefined);
    return { ...errorOf(body), status: res.status };
  }

  function websocket(url: URL, send?: string): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url.toString().replace(/^http/, 'ws'), 'mcp');
      socket.once('unexpected-response', (_req, res: IncomingMessage) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => {
          resolve({ ...errorOf(JSON.parse(text || '{}')), status: res.statusCode });
        });
      });
      socket.once('open', () => {
        if (send !== undefined) socket.send(send);
      });
      socket.once('message', (data: Buffer) => {
        socket.close();
        resolve({ ...errorOf(JSON.parse(data.toString())), status: undefined });
      });
      socket.once('error', reject);
    });
  }

  async function grpc(
    call: (client: McpGrpcClient) => Promise<unknown>,
    options: object = {},
  ): Promise<Answer> {
    const client = new McpGrpcClient({ address: open.grpcAddress ?? '', ...options });
    try {
      await call(client);
      return { code: undefined, data: undefined, status: 0 };
    } catch (error) {
      if (!(error instanceof GrpcCallError)) throw error;
      return { ...errorOf({ error: error.rpc }), status: error.status };
    } finally {
      client.close();
    }
  }

  async function guardedGrpc(call: (client: McpGrpcClient) => Promise<unknown>): Promise<Answer> {
    const client = new McpGrpcClient({ address: guarded.grpcAddress ?? '' });
    try {
      await call(client);
      return { code: undefined, data: undefined, status: 0 };
    } catch (error) {
      if (!(error instanceof GrpcCallError)) throw error;
      return { ...errorOf({ error: error.rpc }), status: error.status };
    } finally {
      client.close();
    }
  }

  /**
   * `mcpman connect [server]`, in-process: one line to its stdin, kept open (as a client keeps
   * it) until the first answer comes back on its stdout.
   */
  async function stdio(base: URL, server: string | undefined, line: string): Promise<Answer> {
    const stdin = new PassThrough();
    let stdout = '';
    const ran = runCli(['connect', ...(server === undefined ? [] : [server]), '--url', base.toString()], {
      stdout: (text) => {
        stdout += text;
        if (stdout.includes('\n')) stdin.end();
      },
      stderr: () => undefined,
      isTTY: false,
      cwd: stateDir,
      env: {},
      stdin,
    });
    stdin.write(`${line}\n`);
    await ran;
    const first = stdout.split('\n').find((l) => l.trim() !== '');
    return { ...errorOf(first === undefined ? undefined : JSON.parse(first)), status: undefined };
  }

  it('no such server: -32602 SERVER_NOT_FOUND, HTTP 404, gRPC NOT_FOUND, on every transport', async () => {
    const code = MCPErrorCode.ServerNotFound;
    const answers = {
      http: await http(new URL('/servers/nope/mcp', openUrl), { body: JSON.stringify(initialize) }),
      sse: await http(new URL('/servers/nope/sse', openUrl), { method: 'GET' }),
      websocket: await websocket(new URL('/servers/nope/ws', openUrl)),
      grpc: await grpc((client) => client.listTools(), { server: 'nope' }),
      stdio: await stdio(openUrl, 'nope', JSON.stringify(initialize)),
    };
    expect(answers).toEqual({
      http: expected(code, httpStatusFor(code)),
      sse: expected(code, httpStatusFor(code)),
      websocket: expected(code, httpStatusFor(code)),
      grpc: expected(code, grpcStatusFor(code)),
      stdio: expected(code, undefined),
    });
  });

  it('a session that does not exist: -32038 SESSION_NOT_FOUND, HTTP 404, gRPC NOT_FOUND, the stdio bridge too', async () => {
    const code = MCPErrorCode.SessionNotFound;
    const list = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
    const answers = {
      http: await http(new URL('/mcp', openUrl), { headers: { 'mcp-session-id': 'bogus' }, body: list }),
      sse: await http(new URL('/messages?sessionId=bogus', openUrl), { body: list }),
      grpc: await grpc((client) => client.listTools(undefined, { sessionId: 'bogus' })),
      stdioBridge: await http(bridgeUrl, { headers: { 'mcp-session-id': 'bogus' }, body: list }),
    };
    expect(answers).toEqual({
      http: expected(code, httpStatusFor(code)),
      sse: expected(code, httpStatusFor(code)),
      grpc: expected(code, grpcStatusFor(code)),
      stdioBridge: expected(code, httpStatusFor(code)),
    });
  });

  it('a session-only method on the 2026-07-28 wire: -32601, HTTP 404 (the spec says so for that era), gRPC UNIMPLEMENTED', async () => {
    const code = MCPErrorCode.ProtocolMethodNotFound;
    const subscribe = {
      jsonrpc: '2.0',
      id: 3,
      method: 'resources/subscribe',
      params: { uri: 'file:///readme.txt', _meta: statelessMeta },
    };
    const answers = {
      http: await http(new URL('/mcp', openUrl), {
        headers: { 'mcp-protocol-version': STATELESS_ERA_VERSION, 'mcp-method': 'resources/subscribe' },
        body: JSON.stringify(subscribe),
      }),
      grpc: await grpc((client) => client.subscribe('file:///readme.txt')),
    };
    expect(answers).toEqual({
      http: expected(code, ERA_HTTP_STATUS.stateless[jsonRpcCodeFor(code)]),
      grpc: expected(code, grpcStatusFor(code)),
    });
  });

  it('no credentials where they are required: -32030 AUTH_REQUIRED, HTTP 401, gRPC UNAUTHENTICATED, stdio too', async () => {
    const code = MCPErrorCode.AuthRequired;
    const answers = {
      http: await http(new URL('/mcp', guardedUrl), { body: JSON.stringify(initialize) }),
      sse: await http(new URL('/sse', guardedUrl), { method: 'GET' }),
      websocket: await websocket(new URL('/ws', guardedUrl)),
      grpc: await guardedGrpc((client) => client.listTools()),
      stdio: await stdio(guardedUrl, undefined, JSON.stringify(initialize)),
    };
    expect(answers).toEqual({
      http: expected(code, httpStatusFor(code)),
      sse: expected(code, httpStatusFor(code)),
      websocket: expected(code, httpStatusFor(code)),
      grpc: expected(code, grpcStatusFor(code)),
      stdio: expected(code, undefined),
    });
  });

  it('a message that is not JSON: -32700 PROTOCOL_PARSE_ERROR, HTTP 400, on every transport that reads raw JSON', async () => {
    const code = MCPErrorCode.ProtocolParseError;
    const answers = {
      http: await http(new URL('/mcp', openUrl), { body: '{not json' }),
      websocket: await websocket(new URL('/ws', openUrl), '{not json'),
      stdio: await stdio(openUrl, undefined, '{not json'),
      stdioBridge: await http(bridgeUrl, { body: '{not json' }),
    };
    expect(answers).toEqual({
      http: expected(code, httpStatusFor(code)),
      websocket: expected(code, undefined),
      stdio: expected(code, undefined),
      stdioBridge: expected(code, httpStatusFor(code)),
    });
  });
});
