import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:http2';
import { status } from '@grpc/grpc-js';
import type { ServiceError } from '@grpc/grpc-js';
import { CallToolResultSchema, ListToolsResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { GrpcCallError, McpGrpcClient, jsonRpcErrorOf } from '@mcpman/gateway';
import { JsonRpcErrorCode } from '@mcpman/protocol';
import type { JsonObject, JsonRpcMessage, JsonRpcNotification } from '@mcpman/protocol';
import { RuntimeHarness, resultText } from './helpers/runtime.js';
import { EVERYTHING } from './helpers/workspace.js';

/** The error a call failed with (or a test failure when it did not fail). */
async function failure(call: Promise<unknown>): Promise<GrpcCallError> {
  const outcome = await call.then(
    () => new Error('the call succeeded'),
    (error: unknown) => error,
  );
  if (!(outcome instanceof GrpcCallError)) throw outcome;
  return outcome;
}

/**
 * The gRPC transport (proto/mcpman/mcp/v1/mcp.proto) through the gateway to server-everything
 * in Podman, with the typed client generated from the proto.
 */
describe('the gateway over gRPC', () => {
  let h: RuntimeHarness;
  let address: string;
  const clients: McpGrpcClient[] = [];

  const client = (server?: string, compression = false): McpGrpcClient => {
    const made = new McpGrpcClient({ address, compression, ...(server === undefined ? {} : { server }) });
    clients.push(made);
    return made;
  };

  beforeAll(async () => {
    h = await RuntimeHarness.create();
    await h.startGateway(
      `  everything:\n    source: ${EVERYTHING}\n  second:\n    source: ${EVERYTHING}\n    tools: { deny: ['get-*'] }\n`,
      '{ maxRequestBytes: 64Ki, keepAlive: { grpcPing: 1s } }',
    );
    address = h.gateway!.grpcAddress!;
  });

  afterAll(async () => {
    for (const made of clients) made.close();
    await h.dispose();
  });

  it('lists and calls tools on one server, streaming progress before the result', async () => {
    const grpc = client('everything');
    const tools = ListToolsResultSchema.parse(await grpc.listTools());
    expect(tools.tools.map((t) => t.name)).toContain('echo');
    const echo = CallToolResultSchema.parse(await grpc.callTool('echo', { message: 'over gRPC' }));
    expect(resultText(echo)).toBe('Echo: over gRPC');

    const events: JsonRpcNotification[] = [];
    const long = await grpc.callTool(
      'trigger-long-running-operation',
      { duration: 1, steps: 4 },
      { progressToken: 'p1', onNotification: (n) => events.push(n) },
    );
    expect(events.map((n) => [n.method, n.params?.['progressToken'], n.params?.['progress']])).toEqual([
      ['notifications/progress', 'p1', 1],
      ['notifications/progress', 'p1', 2],
      ['notifications/progress', 'p1', 3],
      ['notifications/progress', 'p1', 4],
    ]);
    expect(resultText(long)).toContain('Long running operation completed');
  });

  it('merges every server without mcp-server metadata, and takes gzip-compressed requests', async () => {
    const grpc = client(undefined, true);
    const names = ListToolsResultSchema.parse(await grpc.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['everything__echo', 'second__echo']));
    expect(names).not.toContain('second__get-sum');
    expect(resultText(await grpc.callTool('second__echo', { message: 'two' }))).toBe('Echo: two');
    const prompt = await grpc.getPrompt('everything__args-prompt', { city: 'Berlin', state: 'BE' });
    expect(JSON.stringify(prompt['messages'])).toContain('Berlin');
    const resources = (await grpc.listResources())['resources'] as { uri: string }[];
    const doc = resources.find((r) => r.uri.startsWith('mcpman://everything/demo://resource/static/'));
    expect(doc).toBeDefined();
    const read = await grpc.readResource(doc!.uri);
    expect((read['contents'] as { uri: string }[])[0]?.uri).toBe(doc!.uri);
    const discovered = await grpc.discover();
    expect(discovered['supportedVersions']).toContain('2026-07-28');
    // Stateless calls answer as 2026-07-28 results.
    expect(await grpc.listPrompts()).toMatchObject({ resultType: 'complete', ttlMs: 0 });
  });

  it('maps failures to gRPC statuses and keeps the JSON-RPC error in the trailer', async () => {
    const grpc = client('everything');
    const filtered = await failure(client().callTool('second__get-sum', { a: 1, b: 2 }));
    expect(filtered.status).toBe(status.INVALID_ARGUMENT);
    expect(filtered.rpc.code).toBe(-32602);
    expect(filtered.rpc.message).toMatch(/not exposed/);

    const badJson = await new Promise<ServiceError>((resolve) => {
      const call = grpc.stub.callTool({ name: 'echo', argumentsJson: '{not json' }, grpc.metadata());
      call.on('data', () => undefined);
      call.on('error', resolve);
    });
    expect(badJson.code).toBe(status.INVALID_ARGUMENT);
    expect(jsonRpcErrorOf(badJson).code).toBe(-32700);
    expect(jsonRpcErrorOf(badJson).message).toMatch(/arguments_json/);

    const unknownServer = await failure(client('nope').listTools());
    expect(unknownServer.status).toBe(status.NOT_FOUND);
    expect(unknownServer.message).toMatch(/no server named "nope"/);

    // A per-kind call is a 2026-07-28 request: session-only methods are refused as on HTTP.
    const sessionOnly = await failure(grpc.setLoggingLevel('debug'));
    expect(sessionOnly.status).toBe(status.UNIMPLEMENTED);
    expect(sessionOnly.rpc).toMatchObject({
      code: -32601,
      data: { code: 'PROTOCOL_METHOD_NOT_FOUND' },
    });
    expect(sessionOnly.message).toMatch(/logging\/setLevel is not part of 2026-07-28/);

    const oldVersion = await failure(
      grpc.listTools(undefined, { meta: { 'io.modelcontextprotocol/protocolVersion': '2025-06-18' } }),
    );
    expect(oldVersion.status).toBe(status.INVALID_ARGUMENT);
    expect(oldVersion.rpc.code).toBe(-32022);

    const huge = await failure(grpc.callTool('echo', { message: 'x'.repeat(100 * 1024) }));
    expect(huge.status).toBe(status.RESOURCE_EXHAUSTED);
    expect(huge.message).toMatch(/larger than max/);
    // The channel is still usable afterwards.
    expect(resultText(await grpc.callTool('echo', { message: 'still here' }))).toBe('Echo: still here');
  });

  it('carries a whole session on the Session stream and routes server requests to it', async () => {
    const grpc = client('everything');
    const session = grpc.openSession();
    const messages: JsonRpcMessage[] = [];
    session.onMessage((m) => messages.push(m));
    session.onRequest = (method, params) => {
      if (method === 'sampling/createMessage') {
        return Promise.resolve({
          model: 'test-model',
          role: 'assistant',
          content: { type: 'text', text: `sampled ${String((params['messages'] as unknown[]).length)}` },
        });
      }
      return Promise.reject(new Error(`unexpected ${method}`));
    };
    const init = await session.initialize({ sampling: {} });
    expect(init['serverInfo']).toMatchObject({ name: 'mcp-servers/everything' });
    const id = await session.id;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);

    const listed = ListToolsResultSchema.parse(await session.request('tools/list'));
    expect(listed.tools.map((t) => t.name)).toContain('trigger-sampling-request');
    // A per-kind call inside the session: the sampling request arrives on the stream.
    const sampled = await grpc.callTool(
      'trigger-sampling-request',
      { prompt: 'hello', maxTokens: 10 },
      { sessionId: id },
    );
    expect(resultText(sampled)).toContain('sampled 1');
    expect(messages.some((m) => 'method' in m && m.method === 'sampling/createMessage')).toBe(true);

    await grpc.setLoggingLevel('debug', { sessionId: id });
    const unknown = await failure(grpc.listTools(undefined, { sessionId: 'not-a-session' }));
    expect(unknown.status).toBe(status.NOT_FOUND);
    // The same code as Streamable HTTP gives for an unknown session (gateway-http.spec.ts).
    expect(unknown.rpc.code).toBe(JsonRpcErrorCode.SessionNotFound);

    await session.close();
    await expect.poll(() => h.gateway!.gateway.sessions.counts().grpc).toBe(0);
    const gone = await failure(grpc.listTools(undefined, { sessionId: id }));
    expect(gone.status).toBe(status.NOT_FOUND);
  });

  it('resumes a stateless call that needs input, 2026-07-28 style', async () => {
    const grpc = client('everything');
    const meta: JsonObject = { 'io.modelcontextprotocol/clientCapabilities': { sampling: {} } };
    const first = await grpc.callTool('trigger-sampling-request', { prompt: 'hi', maxTokens: 5 }, { meta });
    expect(first['resultType']).toBe('input_required');
    const requests = first['inputRequests'] as Record<string, { method: string }>;
    const [key, request] = Object.entries(requests)[0]!;
    expect(request.method).toBe('sampling/createMessage');
    const done = await grpc.callTool(
      'trigger-sampling-request',
      { prompt: 'hi', maxTokens: 5 },
      {
        meta,
        requestState: first['requestState'] as string,
        inputResponses: {
          [key]: { model: 'm', role: 'assistant', content: { type: 'text', text: 'answered by retry' } },
        },
      },
    );
    expect(done['resultType']).toBe('complete');
    expect(resultText(done)).toContain('answered by retry');

    // Without the capability the server's request fails with -32021, which the server reports.
    const refused = await grpc.callTool('trigger-sampling-request', { prompt: 'hi', maxTokens: 5 });
    expect(refused['isError']).toBe(true);
    expect(resultText(refused)).toMatch(/-32021: the client did not declare the sampling capability/);
  });

  it('streams list changes on Listen, acknowledged first and tagged, until the client cancels', async () => {
    const grpc = client('second');
    const seen: JsonRpcNotification[] = [];
    const abort = new AbortController();
    const listening = grpc.listen(
      { toolsListChanged: true, promptsListChanged: false },
      { signal: abort.signal, onNotification: (n) => seen.push(n) },
    );
    await expect.poll(() => seen[0]?.method).toBe('notifications/subscriptions/acknowledged');
    expect(seen[0]?.params?.['notifications']).toEqual({ toolsListChanged: true });
    const tag = (seen[0]?.params?.['_meta'] as JsonObject | undefined)?.[
      'io.modelcontextprotocol/subscriptionId'
    ];
    expect(typeof tag).toBe('string');
    await h.runtime!.get('second')!.restart('test: grpc listen');
    await expect
      .poll(() => seen.find((n) => n.method === 'notifications/tools/list_changed'), { timeout: 30_000 })
      .toMatchObject({ params: { _meta: { 'io.modelcontextprotocol/subscriptionId': tag } } });
    // Prompt changes were not asked for.
    expect(seen.some((n) => n.method === 'notifications/prompts/list_changed')).toBe(false);
    abort.abort();
    const ended = await listening.then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(ended).toBeInstanceOf(GrpcCallError);
    expect((ended as GrpcCallError).status).toBe(status.CANCELLED);
    await expect.poll(() => h.runtime!.get('second')!.state, { timeout: 30_000 }).toBe('ready');
  });

  it('sends keepalive pings on idle connections', async () => {
    const session = connect(`http://${address}`);
    try {
      const pinged = new Promise<void>((resolve) => {
        session.once('ping', () => {
          resolve();
        });
      });
      await new Promise<void>((resolve) => {
        session.once('connect', () => {
          resolve();
        });
      });
      // No call is made: the server pings an idle connection (keepAlive.grpcPing is 1s here).
      await pinged;
      expect(session.destroyed).toBe(false);
    } finally {
      session.destroy();
    }
  });
});
