import { Metadata, credentials as grpcCredentials, compressionAlgorithms } from '@grpc/grpc-js';
import { JsonRpcErrorCode } from '@mcpman/protocol';
import type { ChannelOptions, ClientDuplexStream, ClientReadableStream, ServiceError } from '@grpc/grpc-js';
import type {
  JsonObject,
  JsonRpcErrorBody,
  JsonRpcMessage,
  JsonRpcNotification,
  JsonRpcResponse,
} from '@mcpman/protocol';
import type { CallEvent__Output } from './generated/mcpman/mcp/v1/CallEvent.js';
import type {
  JsonRpcMessage as WireMessage,
  JsonRpcMessage__Output,
} from './generated/mcpman/mcp/v1/JsonRpcMessage.js';
import type { McpClient } from './generated/mcpman/mcp/v1/Mcp.js';
import type { McpResult__Output } from './generated/mcpman/mcp/v1/McpResult.js';
import type { RequestFields } from './generated/mcpman/mcp/v1/RequestFields.js';
import { mcpProto } from './proto.js';
import { jsonRpcErrorOf } from './status.js';

export interface McpGrpcClientOptions {
  /** `host:port` of the gateway's gRPC listener. */
  readonly address: string;
  /** One server (the `mcp-server` metadata), names unprefixed; default: every server merged. */
  readonly server?: string;
  /** A profile's share of the servers (the `mcp-profile` metadata), names prefixed as when merged. */
  readonly profile?: string;
  /** Bearer token, when the gateway requires authentication. */
  readonly token?: string;
  /** TLS: the CA that signed the gateway's certificate, and a client certificate for mTLS. */
  readonly tls?: { readonly ca?: Buffer; readonly cert?: Buffer; readonly key?: Buffer };
  /** gzip the messages this client sends. */
  readonly compression?: boolean;
  /** Keepalive ping interval of the channel. */
  readonly keepAliveMs?: number;
  /** More metadata for every call, such as a W3C `traceparent` the gateway's spans continue. */
  readonly metadata?: Readonly<Record<string, string>>;
}

export interface GrpcCallOptions {
  /** Ask for progress notifications (delivered to `onNotification`). */
  readonly progressToken?: string;
  /** The request's `_meta` (client capabilities, client info, log level, …). */
  readonly meta?: JsonObject;
  /** Resume a call that returned `input_required`. */
  readonly requestState?: string;
  readonly inputResponses?: JsonObject;
  /** Run the call inside an open session (see `openSession`). */
  readonly sessionId?: string;
  /** Notifications about the call (progress, log messages), as they arrive. */
  readonly onNotification?: (notification: JsonRpcNotification) => void;
  readonly signal?: AbortSignal;
}

/** A failed call: the gRPC status and the JSON-RPC error the gateway sent with it. */
export class GrpcCallError extends Error {
  constructor(
    readonly status: number,
    readonly rpc: JsonRpcErrorBody,
  ) {
    super(rpc.message);
    this.name = 'GrpcCallError';
  }
}

type Unary<Req> = (
  request: Req,
  metadata: Metadata,
  callback: (error: ServiceError | null, value?: McpResult__Output) => void,
) => { cancel(): void };

type Streaming<Req> = (request: Req, metadata: Metadata) => ClientReadableStream<CallEvent__Output>;

function fieldsOf(options: GrpcCallOptions): RequestFields {
  return {
    metaJson: options.meta === undefined ? '' : JSON.stringify(options.meta),
    progressToken: options.progressToken ?? '',
    requestState: options.requestState ?? '',
    inputResponsesJson: options.inputResponses === undefined ? '' : JSON.stringify(options.inputResponses),
  };
}

function parseResult(json: string): JsonObject {
  return JSON.parse(json) as JsonObject;
}

/**
 * A typed client of the gateway's gRPC transport, over the stubs generated from
 * `proto/mcpman/mcp/v1/mcp.proto`. Results are MCP's JSON results; failures are GrpcCallError.
 */
export class McpGrpcClient {
  readonly stub: McpClient;

  constructor(private readonly options: McpGrpcClientOptions) {
    const channelOptions: ChannelOptions = {
      'grpc.keepalive_time_ms': options.keepAliveMs ?? 30_000,
      'grpc.keepalive_permit_without_calls': 1,
      // MCP calls are not blindly retryable, and channelz costs on every call.
      'grpc.enable_retries': 0,
      'grpc.enable_channelz': 0,
      ...(options.compression === true
        ? { 'grpc.default_compression_algorithm': compressionAlgorithms.gzip }
        : {}),
    };
    const creds =
      options.tls === undefined
        ? grpcCredentials.createInsecure()
        : grpcCredentials.createSsl(
            options.tls.ca ?? null,
            options.tls.key ?? null,
            options.tls.cert ?? null,
          );
    const Mcp = mcpProto().mcpman.mcp.v1.Mcp;
    this.stub = new Mcp(options.address, creds, channelOptions);
  }

  /** Metadata for a call: scope, credentials, session. */
  metadata(sessionId?: string): Metadata {
    const metadata = new Metadata();
    for (const [key, value] of Object.entries(this.options.metadata ?? {})) metadata.set(key, value);
    if (this.options.server !== undefined) metadata.set('mcp-server', this.options.server);
    if (this.options.profile !== undefined) metadata.set('mcp-profile', this.options.profile);
    if (this.options.token !== undefined) metadata.set('authorization', `Bearer ${this.options.token}`);
    if (sessionId !== undefined) metadata.set('mcp-session-id', sessionId);
    return metadata;
  }

  discover(options: GrpcCallOptions = {}): Promise<JsonObject> {
    return this.unary(this.stub.discover.bind(this.stub), { fields: fieldsOf(options) }, options);
  }

  listTools(cursor?: string, options: GrpcCallOptions = {}): Promise<JsonObject> {
    return this.unary(
      this.stub.listTools.bind(this.stub),
      { fields: fieldsOf(options), cursor: cursor ?? '' },
      options,
    );
  }

  listPrompts(cursor?: string, options: GrpcCallOptions = {}): Promise<JsonObject> {
    return this.unary(
      this.stub.listPrompts.bind(this.stub),
      { fields: fieldsOf(options), cursor: cursor ?? '' },
      options,
    );
  }

  listResources(cursor?: string, options: GrpcCallOptions = {}): Promise<JsonObject> {
    return this.unary(
      this.stub.listResources.bind(this.stub),
      { fields: fieldsOf(options), cursor: cursor ?? '' },
      options,
    );
  }

  listResourceTemplates(cursor?: string, options: GrpcCallOptions = {}): Promise<JsonObject> {
    return this.unary(
      this.stub.listResourceTemplates.bind(this.stub),
      { fields: fieldsOf(options), cursor: cursor ?? '' },
      options,
    );
  }

  callTool(name: string, args: JsonObject = {}, options: GrpcCallOptions = {}): Promise<JsonObject> {
    return this.callToolJson(name, JSON.stringify(args), options);
  }

  /** CallTool with `arguments_json` as given (tools that already hold JSON text, and fuzzing). */
  callToolJson(name: string, argumentsJson: string, options: GrpcCallOptions = {}): Promise<JsonObject> {
    return this.streaming(
      this.stub.callTool.bind(this.stub),
      { fields: fieldsOf(options), name, argumentsJson },
      options,
    );
  }

  getPrompt(
    name: string,
    args: Record<string, string> = {},
    options: GrpcCallOptions = {},
  ): Promise<JsonObject> {
    return this.streaming(
      this.stub.getPrompt.bind(this.stub),
      { fields: fieldsOf(options), name, arguments: args },
      options,
    );
  }

  readResource(uri: string, options: GrpcCallOptions = {}): Promise<JsonObject> {
    return this.streaming(
      this.stub.readResource.bind(this.stub),
      { fields: fieldsOf(options), uri },
      options,
    );
  }

  complete(params: JsonObject, options: GrpcCallOptions = {}): Promise<JsonObject> {
    return this.unary(
      this.stub.complete.bind(this.stub),
      { fields: fieldsOf(options), paramsJson: JSON.stringify(params) },
      options,
    );
  }

  setLoggingLevel(level: string, options: GrpcCallOptions = {}): Promise<JsonObject> {
    return this.unary(
      this.stub.setLoggingLevel.bind(this.stub),
      { fields: fieldsOf(options), level },
      options,
    );
  }

  subscribe(uri: string, options: GrpcCallOptions = {}): Promise<JsonObject> {
    return this.unary(this.stub.subscribe.bind(this.stub), { fields: fieldsOf(options), uri }, options);
  }

  unsubscribe(uri: string, options: GrpcCallOptions = {}): Promise<JsonObject> {
    return this.unary(this.stub.unsubscribe.bind(this.stub), { fields: fieldsOf(options), uri }, options);
  }

  /**
   * subscriptions/listen without a session: `onNotification` gets the acknowledgement, then
   * each list change and resource update. Runs until `signal` cancels it (then it rejects with
   * CANCELLED) or the gateway ends it, with its result.
   */
  listen(
    notifications: {
      readonly toolsListChanged?: boolean;
      readonly promptsListChanged?: boolean;
      readonly resourcesListChanged?: boolean;
      readonly resourceSubscriptions?: readonly string[];
    },
    options: GrpcCallOptions = {},
  ): Promise<JsonObject> {
    return this.streaming(
      this.stub.listen.bind(this.stub),
      {
        fields: fieldsOf(options),
        toolsListChanged: notifications.toolsListChanged === true,
        promptsListChanged: notifications.promptsListChanged === true,
        resourcesListChanged: notifications.resourcesListChanged === true,
        resourceSubscriptions: [...(notifications.resourceSubscriptions ?? [])],
      },
      options,
    );
  }

  /** Open a Session stream: a full MCP session (initialize first), JSON-RPC both ways. */
  openSession(): McpGrpcSession {
    return new McpGrpcSession(this.stub.session(this.metadata()));
  }

  close(): void {
    this.stub.close();
  }

  private unary<Req>(method: Unary<Req>, request: Req, options: GrpcCallOptions): Promise<JsonObject> {
    return new Promise((resolve, reject) => {
      const call = method(request, this.metadata(options.sessionId), (error, value) => {
        options.signal?.removeEventListener('abort', onAbort);
        if (error !== null) reject(new GrpcCallError(error.code, jsonRpcErrorOf(error)));
        else resolve(parseResult(value?.resultJson ?? '{}'));
      });
      const onAbort = (): void => {
        call.cancel();
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private streaming<Req>(
    method: Streaming<Req>,
    request: Req,
    options: GrpcCallOptions,
  ): Promise<JsonObject> {
    return new Promise((resolve, reject) => {
      const call = method(request, this.metadata(options.sessionId));
      const onAbort = (): void => {
        call.cancel();
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
      let result: JsonObject | undefined;
      call.on('data', (event: CallEvent__Output) => {
        if (event.resultJson !== '') result = parseResult(event.resultJson);
        else if (event.notificationJson !== '') {
          options.onNotification?.(JSON.parse(event.notificationJson) as JsonRpcNotification);
        }
      });
      call.on('error', (error: ServiceError) => {
        options.signal?.removeEventListener('abort', onAbort);
        reject(new GrpcCallError(error.code, jsonRpcErrorOf(error)));
      });
      call.on('end', () => {
        options.signal?.removeEventListener('abort', onAbort);
        if (result !== undefined) resolve(result);
        else
          reject(
            new GrpcCallError(13, {
              code: JsonRpcErrorCode.InternalError,
              message: 'the call ended without a result',
            }),
          );
      });
    });
  }
}

/** One Session stream. Answers server-to-client requests with `onRequest` when it is set. */
export class McpGrpcSession {
  /** The session id, from the stream's first response metadata. */
  readonly id: Promise<string>;
  /** Requests from the server (sampling, elicitation, roots); the returned result is sent back. */
  onRequest: ((method: string, params: JsonObject) => Promise<JsonObject>) | undefined;
  private readonly listeners: ((message: JsonRpcMessage) => void)[] = [];
  private readonly pending = new Map<string | number, (response: JsonRpcResponse) => void>();
  private nextId = 0;
  private readonly ended: Promise<void>;

  constructor(private readonly call: ClientDuplexStream<WireMessage, JsonRpcMessage__Output>) {
    this.id = new Promise((resolve, reject) => {
      call.once('metadata', (metadata: Metadata) => {
        const id = metadata.get('mcp-session-id')[0];
        if (typeof id === 'string') resolve(id);
        else reject(new Error('the gateway sent no mcp-session-id'));
      });
      call.once('error', reject);
    });
    this.ended = new Promise((resolve) => {
      call.once('close', resolve);
    });
    // A stream that ends fails the requests still waiting on it: nothing waits forever.
    const failPending = (error: unknown): void => {
      const rpc =
        error instanceof Error && 'code' in error && 'metadata' in error
          ? jsonRpcErrorOf(error as ServiceError)
          : { code: JsonRpcErrorCode.ConnectionClosed, message: 'the session stream ended' };
      for (const settle of this.pending.values()) settle({ jsonrpc: '2.0', id: null, error: rpc });
      this.pending.clear();
    };
    call.on('error', failPending);
    call.once('close', () => {
      failPending(undefined);
    });
    call.on('data', (frame: JsonRpcMessage__Output) => {
      this.receive(JSON.parse(frame.json) as JsonRpcMessage);
    });
  }

  /** Every message from the gateway (responses included). */
  onMessage(listener: (message: JsonRpcMessage) => void): void {
    this.listeners.push(listener);
  }

  send(message: JsonRpcMessage): void {
    this.sendJson(JSON.stringify(message));
  }

  /** A frame with `json` as given, valid or not. */
  sendJson(json: string): void {
    this.call.write({ json });
  }

  /** Send a request and wait for its response's result. */
  request(method: string, params: JsonObject = {}): Promise<JsonObject> {
    const id = `s-${++this.nextId}`;
    return new Promise((resolve, reject) => {
      this.pending.set(id, (response) => {
        if ('error' in response) reject(new GrpcCallError(2, response.error));
        else resolve(response.result);
      });
      this.send({ jsonrpc: '2.0', id, method, params });
    });
  }

  notify(method: string, params?: JsonObject): void {
    this.send({ jsonrpc: '2.0', method, ...(params === undefined ? {} : { params }) });
  }

  /** initialize + notifications/initialized; resolves with the initialize result. */
  async initialize(capabilities: JsonObject = {}, protocolVersion = '2025-11-25'): Promise<JsonObject> {
    const result = await this.request('initialize', {
      protocolVersion,
      capabilities,
      clientInfo: { name: 'mcpman-grpc-client', version: '1' },
    });
    this.notify('notifications/initialized');
    return result;
  }

  /** End the stream (the session ends with it) and wait until it has closed. */
  async close(): Promise<void> {
    this.call.end();
    await this.ended;
  }

  private receive(message: JsonRpcMessage): void {
    for (const listener of this.listeners) listener(message);
    if ('id' in message && !('method' in message) && message.id !== null) {
      const settle = this.pending.get(message.id);
      this.pending.delete(message.id);
      settle?.(message);
      return;
    }
    if ('method' in message && 'id' in message) {
      const handler = this.onRequest;
      if (handler === undefined) return;
      const id = message.id;
      handler(message.method, message.params ?? {}).then(
        (result) => {
          this.send({ jsonrpc: '2.0', id, result });
        },
        (error: unknown) => {
          this.send({
            jsonrpc: '2.0',
            id,
            error: {
              code: JsonRpcErrorCode.InternalError,
              message: error instanceof Error ? error.message : String(error),
            },
          });
        },
      );
    }
  }
}
