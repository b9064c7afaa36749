import { describe, expect, it } from 'vitest';
import { MCPErrorCode } from '../errors/codes.js';
import type { JsonRpcMessage, JsonRpcRequest } from '../mcp/jsonrpc.js';
import type { UpstreamConnection } from './connection.js';
import { performHandshake } from './handshake.js';
import { McpPeer, RemoteRpcError } from './peer.js';
import { Cancellation } from '../util/cancellation.js';

/** A connection whose other end is a function: it sees what the peer sends and may answer. */
class ScriptedConnection implements UpstreamConnection {
  readonly kind = 'stdio' as const;
  readonly description = 'scripted';
  readonly sent: JsonRpcMessage[] = [];
  onmessage?: (message: JsonRpcMessage) => void;
  onclose?: (reason: Error | undefined) => void;
  constructor(
    private readonly script: (message: JsonRpcMessage, reply: (m: JsonRpcMessage) => void) => void,
  ) {}
  start(): Promise<void> {
    return Promise.resolve();
  }
  send(message: JsonRpcMessage): Promise<void> {
    this.sent.push(message);
    queueMicrotask(() => {
      this.script(message, (m) => this.onmessage?.(m));
    });
    return Promise.resolve();
  }
  close(): Promise<void> {
    this.onclose?.(undefined);
    return Promise.resolve();
  }
  /** The server side going away. */
  drop(): void {
    this.onclose?.(new Error('container exited'));
  }
}

const isRequest = (m: JsonRpcMessage): m is JsonRpcRequest => 'method' in m && 'id' in m;

describe('McpPeer', () => {
  it('matches responses to requests by id', async () => {
    const connection = new ScriptedConnection((m, reply) => {
      if (isRequest(m)) reply({ jsonrpc: '2.0', id: m.id, result: { echo: m.params?.['x'] } });
    });
    const peer = new McpPeer(connection, 'test');
    const [a, b] = await Promise.all([peer.request('echo', { x: 1 }), peer.request('echo', { x: 2 })]);
    expect(a).toEqual({ echo: 1 });
    expect(b).toEqual({ echo: 2 });
    expect(peer.inFlight).toBe(0);
  });

  it('keeps a server error verbatim', async () => {
    const connection = new ScriptedConnection((m, reply) => {
      if (isRequest(m))
        reply({
          jsonrpc: '2.0',
          id: m.id,
          error: { code: -32602, message: 'bad args', data: { field: 'x' } },
        });
    });
    const error = await new McpPeer(connection, 'srv').request('tools/call').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteRpcError);
    expect((error as RemoteRpcError).toJsonRpc()).toEqual({
      code: -32602,
      message: 'bad args',
      data: { field: 'x' },
    });
  });

  it('times out a request and tells the server it is cancelled', async () => {
    const connection = new ScriptedConnection(() => undefined);
    const peer = new McpPeer(connection, 'srv');
    await expect(peer.request('slow', undefined, { timeoutMs: 20 })).rejects.toMatchObject({
      code: MCPErrorCode.UpstreamTimeout,
    });
    await expect
      .poll(() => connection.sent.map((m) => ('method' in m ? m.method : '')))
      .toContain('notifications/cancelled');
    expect(peer.inFlight).toBe(0);
  });

  it('cancels a request through a Cancellation: rejected, the server told, nothing left pending', async () => {
    const connection = new ScriptedConnection(() => undefined);
    const peer = new McpPeer(connection, 'srv');
    const cancellation = new Cancellation();
    const pending = peer.request('slow', undefined, { cancellation });
    cancellation.abort();
    await expect(pending).rejects.toMatchObject({ code: MCPErrorCode.Cancelled });
    await expect
      .poll(() => connection.sent.map((m) => ('method' in m ? m.method : '')))
      .toEqual(['slow', 'notifications/cancelled']);
    expect(peer.inFlight).toBe(0);
    // One cancelled before it is sent is refused without reaching the server.
    await expect(peer.request('late', undefined, { cancellation })).rejects.toMatchObject({
      code: MCPErrorCode.Cancelled,
    });
    expect(connection.sent.map((m) => ('method' in m ? m.method : ''))).not.toContain('late');
  });

  it('drops its cancellation listener when the request is answered', async () => {
    const connection = new ScriptedConnection((m, reply) => {
      if (isRequest(m)) reply({ jsonrpc: '2.0', id: m.id, result: {} });
    });
    const peer = new McpPeer(connection, 'srv');
    const cancellation = new Cancellation();
    await peer.request('quick', undefined, { cancellation });
    cancellation.abort();
    await new Promise((resolve) => setImmediate(resolve));
    expect(connection.sent.map((m) => ('method' in m ? m.method : ''))).toEqual(['quick']);
  });

  it('fails every in-flight request at once when the connection goes, and refuses new ones', async () => {
    const connection = new ScriptedConnection(() => undefined);
    const peer = new McpPeer(connection, 'srv');
    const pending = [peer.request('a'), peer.request('b')];
    const started = performance.now();
    connection.drop();
    for (const p of pending) await expect(p).rejects.toMatchObject({ code: MCPErrorCode.UpstreamClosed });
    expect(performance.now() - started).toBeLessThan(1000);
    await expect(peer.request('c')).rejects.toMatchObject({ code: MCPErrorCode.UpstreamClosed });
  });

  it('answers server-to-client requests it cannot handle with method not found', async () => {
    const connection = new ScriptedConnection(() => undefined);
    const peer = new McpPeer(connection, 'srv');
    connection.onmessage?.({ jsonrpc: '2.0', id: 7, method: 'sampling/createMessage', params: {} });
    await expect
      .poll(() => connection.sent)
      .toContainEqual(
        expect.objectContaining({ id: 7, error: expect.objectContaining({ code: -32601 }) as unknown }),
      );
    expect(peer.closed).toBe(false);
  });
});

describe('performHandshake', () => {
  const clientInfo = { name: 'mcpman', version: 'test' };

  it('falls back to initialize when a session-era server rejects server/discover', async () => {
    const connection = new ScriptedConnection((m, reply) => {
      if (!isRequest(m)) return;
      if (m.method === 'server/discover')
        reply({ jsonrpc: '2.0', id: m.id, error: { code: -32601, message: 'Method not found' } });
      if (m.method === 'initialize') {
        reply({
          jsonrpc: '2.0',
          id: m.id,
          result: {
            protocolVersion: '2025-11-25',
            capabilities: { tools: {} },
            serverInfo: { name: 'legacy', version: '1' },
          },
        });
      }
    });
    const handshake = await performHandshake(new McpPeer(connection, 'srv'), {
      protocolVersion: 'auto',
      clientInfo,
      timeoutMs: 2000,
    });
    expect(handshake).toMatchObject({
      era: 'session',
      protocolVersion: '2025-11-25',
      serverInfo: { name: 'legacy', version: '1' },
    });
    expect(connection.sent.map((m) => ('method' in m ? m.method : 'response'))).toEqual([
      'server/discover',
      'initialize',
      'notifications/initialized',
    ]);
  });

  it('uses server/discover with a 2026-era server', async () => {
    const connection = new ScriptedConnection((m, reply) => {
      if (isRequest(m) && m.method === 'server/discover') {
        reply({
          jsonrpc: '2.0',
          id: m.id,
          result: {
            resultType: 'complete',
            supportedVersions: ['2026-07-28'],
            capabilities: { tools: {} },
            _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'modern', version: '2' } },
          },
        });
      }
    });
    const handshake = await performHandshake(new McpPeer(connection, 'srv'), {
      protocolVersion: 'auto',
      clientInfo,
      timeoutMs: 2000,
    });
    expect(handshake).toMatchObject({
      era: 'stateless',
      protocolVersion: '2026-07-28',
      serverInfo: { name: 'modern' },
    });
    const discover = connection.sent[0] as JsonRpcRequest;
    expect(discover.params?.['_meta']).toMatchObject({
      'io.modelcontextprotocol/protocolVersion': '2026-07-28',
    });
  });

  it('reports a server that never answers as a startup timeout with the reason', async () => {
    const connection = new ScriptedConnection(() => undefined);
    const error = await performHandshake(new McpPeer(connection, 'server slow'), {
      protocolVersion: '2025-06-18',
      clientInfo,
      timeoutMs: 50,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: MCPErrorCode.HealthStartupTimeout,
      message: 'server slow did not complete the MCP handshake within 50 ms',
    });
  });
});
