import { McpServer, inputRequired, inputResponse } from '@modelcontextprotocol/server';
import * as z from 'zod';
import type { CallToolResult, JSONRPCMessage, Transport } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { McpPeer, performHandshake, toDisposable } from '@mcpman/protocol';
import type { Disposable, JsonRpcMessage, ProtocolVersion, UpstreamConnection } from '@mcpman/protocol';
import type { ServerState } from '@mcpman/shared';
import type { ManagedServer, Profile, ServerDirectory } from '../pipeline/directory.js';
import { GATEWAY_CLIENT_CAPABILITIES } from '../pipeline/upstream-hub.js';
import type { ToolFilter } from '../pipeline/names.js';

/**
 * A real MCP server (the official SDK's, both eras through its own opening rules) in this
 * process, reached through an UpstreamConnection that carries messages as JSON text does: the
 * gateway's behaviour without Podman, for specs that run in milliseconds.
 */
class LinkedTransport implements Transport {
  onmessage?: Transport['onmessage'];
  onclose?: () => void;
  onerror?: (error: Error) => void;
  peerSide: InProcessConnection | undefined;
  private closed = false;

  start(): Promise<void> {
    return Promise.resolve();
  }

  send(message: JSONRPCMessage): Promise<void> {
    if (this.closed) return Promise.reject(new Error('in-process server closed'));
    const copy = JSON.parse(JSON.stringify(message)) as JsonRpcMessage;
    queueMicrotask(() => this.peerSide?.onmessage?.(copy));
    return Promise.resolve();
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    this.onclose?.();
    this.peerSide?.serverClosed();
    return Promise.resolve();
  }
}

class InProcessConnection implements UpstreamConnection {
  readonly kind = 'stdio' as const;
  onmessage?: (message: JsonRpcMessage) => void;
  onclose?: (reason: Error | undefined) => void;
  onerror?: (error: Error) => void;
  private closed = false;

  constructor(
    readonly description: string,
    private readonly server: LinkedTransport,
  ) {
    server.peerSide = this;
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  send(message: JsonRpcMessage): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`${this.description} is closed`));
    const copy = JSON.parse(JSON.stringify(message)) as JSONRPCMessage;
    queueMicrotask(() => this.server.onmessage?.(copy));
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.serverClosed();
    return this.server.close();
  }

  serverClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.onclose?.(undefined);
  }
}

const text = (value: string): CallToolResult => ({ content: [{ type: 'text', text: value }] });

const NAME_QUESTION = {
  message: 'What is your name?',
  requestedSchema: {
    type: 'object' as const,
    properties: { name: { type: 'string' as const } },
    required: ['name'],
  },
};

/**
 * Ask the client for a name, as each era does: a 2026-07-28 request returns input_required and
 * reads the answer on its retry; a session-era one sends elicitation/create and waits.
 */
async function askName(ctx: {
  readonly mcpReq: {
    readonly inputResponses?: unknown;
    elicitInput: (
      params: typeof NAME_QUESTION,
    ) => Promise<{ action: string; content?: Record<string, unknown> }>;
  };
}): Promise<CallToolResult | ReturnType<typeof inputRequired>> {
  const answer = inputResponse(ctx.mcpReq.inputResponses as Record<string, unknown> | undefined, 'name');
  if (answer.kind === 'elicit')
    return text(
      answer.action === 'accept' ? `Hello, ${String(answer.content?.name)}` : `no name (${answer.action})`,
    );
  let asked: { action: string; content?: Record<string, unknown> };
  try {
    // The session era's own way; it throws on a 2026-07-28 request, which asks by its result.
    asked = await ctx.mcpReq.elicitInput(NAME_QUESTION);
  } catch {
    return inputRequired({ inputRequests: { name: inputRequired.elicit(NAME_QUESTION) } });
  }
  return text(
    asked.action === 'accept' ? `Hello, ${String(asked.content?.name)}` : `no name (${asked.action})`,
  );
}

/** The tools every in-process server has: echo, a failing one, one that waits, one that asks. */
export function exampleServer(name: string): McpServer {
  const server = new McpServer(
    { name, version: '1.0.0' },
    { capabilities: { tools: { listChanged: true }, resources: {}, prompts: {}, logging: {} } },
  );
  server.registerTool(
    'echo',
    { description: 'Echo the message back.', inputSchema: z.object({ message: z.string() }) },
    ({ message }) => text(`Echo: ${message}`),
  );
  server.registerTool('fail', { description: 'Always fails.', inputSchema: z.object({}) }, () => ({
    ...text('it failed'),
    isError: true,
  }));
  server.registerTool(
    'wait',
    { description: 'Answers after ms milliseconds.', inputSchema: z.object({ ms: z.number() }) },
    async ({ ms }) => {
      await new Promise((resolve) => setTimeout(resolve, ms));
      return text(`waited ${ms} ms`);
    },
  );
  server.registerTool(
    'ask',
    { description: 'Ask the user for a name.', inputSchema: z.object({}) },
    (_args, ctx) => askName(ctx),
  );
  server.registerResource('readme', 'file:///readme.txt', { mimeType: 'text/plain' }, () => ({
    contents: [{ uri: 'file:///readme.txt', text: `${name} readme` }],
  }));
  server.registerPrompt('greet', { description: 'Say hello.' }, () => ({
    messages: [{ role: 'user', content: { type: 'text', text: `hello from ${name}` } }],
  }));
  return server;
}

export interface InProcessServerOptions {
  /** The revision the gateway's side opens with: a session-era one, 2026-07-28, or `auto`. */
  readonly protocolVersion?: 'auto' | ProtocolVersion;
  readonly tools?: ToolFilter;
  /** Build the server (default: exampleServer). */
  readonly factory?: (name: string) => McpServer;
}

/** One started in-process server, as the gateway's directory presents it. */
export async function startInProcessServer(
  name: string,
  options: InProcessServerOptions = {},
): Promise<ManagedServer & Disposable> {
  const transport = new LinkedTransport();
  const handle = serveStdio(() => (options.factory ?? exampleServer)(name), { transport });
  const peer = new McpPeer(new InProcessConnection(`in-process ${name}`, transport), name);
  await peer.start();
  const handshake = await performHandshake(peer, {
    protocolVersion: options.protocolVersion ?? 'auto',
    clientInfo: { name: 'mcpman', version: 'test' },
    // What the manager declares for the gateway, which answers for its clients.
    capabilities: GATEWAY_CLIENT_CAPABILITIES,
    timeoutMs: 5_000,
  });
  return {
    name,
    state: 'ready',
    peer,
    handshake,
    tools: options.tools ?? { allow: ['*'], deny: [] },
    sessionMode: 'shared',
    dispose: () => {
      void handle.close();
    },
  };
}

/** A ServerDirectory of in-process servers; `setState` drives what the runtime would report. */
export class InProcessDirectory implements ServerDirectory, Disposable {
  private readonly servers = new Map<string, ManagedServer & Disposable>();
  private readonly states = new Map<string, ServerState>();
  private readonly listeners = new Set<(server: string, state: ServerState) => void>();
  private profileSet: Readonly<Record<string, Profile>> = {};

  async add(name: string, options: InProcessServerOptions = {}): Promise<void> {
    this.servers.set(name, await startInProcessServer(name, options));
  }

  names(): string[] {
    return [...this.servers.keys()];
  }

  get(name: string): ManagedServer | undefined {
    const server = this.servers.get(name);
    if (server === undefined) return undefined;
    const state = this.states.get(name) ?? server.state;
    return state === 'ready' ? server : { ...server, state, peer: undefined, handshake: undefined };
  }

  profiles(): Readonly<Record<string, Profile>> {
    return this.profileSet;
  }

  /** Replace the profiles, as a config reload does. */
  setProfiles(profiles: Readonly<Record<string, Profile>>): void {
    this.profileSet = profiles;
  }

  setState(name: string, state: ServerState): void {
    this.states.set(name, state);
    for (const listener of this.listeners) listener(name, state);
  }

  onStateChange(listener: (server: string, state: ServerState) => void): Disposable {
    this.listeners.add(listener);
    return toDisposable(() => this.listeners.delete(listener));
  }

  dispose(): void {
    for (const server of this.servers.values()) server.dispose();
    this.servers.clear();
  }
}
