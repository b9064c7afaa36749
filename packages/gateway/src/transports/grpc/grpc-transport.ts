import { Metadata, Server, ServerCredentials } from '@grpc/grpc-js';
import type {
  ServerDuplexStream,
  ServerUnaryCall,
  ServerWritableStream,
  StatusObject,
  sendUnaryData,
} from '@grpc/grpc-js';
import {
  invalidRequest,
  isMCPError,
  MCPError,
  MCPErrorCode,
  META,
  notInStatelessEra,
  profileNotFound,
  serverNotFound,
  SESSION_ONLY,
  STATELESS_ERA_VERSION,
  statelessVersionRefusal,
} from '@mcpman/protocol';
import type { JsonObject, JsonRpcErrorBody, JsonRpcMessage, JsonRpcRequest } from '@mcpman/protocol';
import type { ListenAddress } from '../../http/listener.js';
import type { Gateway } from '../../pipeline/gateway.js';
import { ClientSession, mergedScope, onlyLogMessages, statelessSession } from '../../pipeline/session.js';
import type { Identity, SessionScope } from '../../pipeline/session.js';
import type { TlsMaterial } from '../../tls/tls-material.js';
import type { CallEvent } from './generated/mcpman/mcp/v1/CallEvent.js';
import type {
  JsonRpcMessage as WireMessage,
  JsonRpcMessage__Output,
} from './generated/mcpman/mcp/v1/JsonRpcMessage.js';
import type { McpHandlers } from './generated/mcpman/mcp/v1/Mcp.js';
import type { McpResult } from './generated/mcpman/mcp/v1/McpResult.js';
import type { RequestFields__Output } from './generated/mcpman/mcp/v1/RequestFields.js';
import { mcpProto } from './proto.js';
import type { SecureContextOptions } from 'node:tls';
import { toServiceError } from './status.js';
import { serveFrame } from '../message-stream.js';
import { traceContextOf } from '../../pipeline/request-context.js';
import type { AuthOutcome, Credentials } from '../../auth/authenticator.js';

export interface GrpcTransportOptions {
  readonly gateway: Gateway;
  readonly listen: ListenAddress;
  readonly maxRequestBytes: number;
  /** Keepalive ping interval; a peer that does not answer within the timeout is dropped. */
  readonly pingMs: number;
  readonly tls?: TlsMaterial;
  /** Who is calling (credentials from `authorization` metadata and the client certificate). */
  readonly authenticate?: (credentials: Credentials, scope: SessionScope) => Promise<AuthOutcome>;
}

/** Requests that only make sense inside a session (their effects arrive on its stream). */

/** A failure while handling a call, already in the shape gRPC sends. */
class CallFailure extends Error {
  constructor(readonly status: Partial<StatusObject>) {
    super(status.details);
  }
  static rpc(error: JsonRpcErrorBody): CallFailure {
    return new CallFailure(toServiceError(error));
  }
  /** The gRPC writer of our errors: status and JSON-RPC code from `core/src/errors/codes.ts`. */
  static of(code: MCPErrorCode, message: string, data?: Readonly<Record<string, unknown>>): CallFailure {
    return CallFailure.rpc(new MCPError(code, message, data === undefined ? {} : { data }).toJsonRpc());
  }
}

interface WithFields {
  readonly fields: RequestFields__Output | null;
}

type Emit = (message: JsonRpcMessage) => void;

function parseObject(field: string, text: string): JsonObject {
  if (text === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw CallFailure.of(MCPErrorCode.ProtocolParseError, `Parse error: ${field} is not valid JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw CallFailure.of(
      MCPErrorCode.ProtocolInvalidParams,
      `Invalid params: ${field} must be a JSON object`,
    );
  }
  return value as JsonObject;
}

/** The JSON-RPC params of a per-kind call: its own fields plus what RequestFields carries. */
function paramsOf(
  fields: RequestFields__Output | null,
  own: JsonObject,
): { params: JsonObject; meta: JsonObject } {
  const meta = parseObject('fields.meta_json', fields?.metaJson ?? '');
  if (fields !== null && fields.progressToken !== '') meta['progressToken'] = fields.progressToken;
  const params: JsonObject = { ...own };
  if (Object.keys(meta).length > 0) params['_meta'] = meta;
  if (fields !== null && fields.requestState !== '') params['requestState'] = fields.requestState;
  if (fields !== null && fields.inputResponsesJson !== '') {
    params['inputResponses'] = parseObject('fields.input_responses_json', fields.inputResponsesJson);
  }
  return { params, meta };
}

function firstValue(metadata: Metadata, key: string): string | undefined {
  const value = metadata.get(key)[0];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * MCP over gRPC (`proto/mcpman/mcp/v1/mcp.proto`) on its own port: an RPC per MCP request kind,
 * served statelessly with 2026-07-28 semantics or inside a session, and a bidirectional
 * `Session` stream carrying JSON-RPC both ways. Everything goes through the same Gateway.
 */
export class GrpcTransport {
  private readonly server: Server;
  private nextId = 0;
  private boundPort: number | undefined;
  private secure: GatewayServerCredentials | undefined;

  constructor(private readonly options: GrpcTransportOptions) {
    this.server = new Server({
      'grpc.max_receive_message_length': options.maxRequestBytes,
      'grpc.keepalive_time_ms': options.pingMs,
      'grpc.keepalive_timeout_ms': Math.min(options.pingMs, 20_000),
      'grpc.keepalive_permit_without_calls': 1,
      // Channelz bookkeeping costs on every call; metrics come from our own counters.
      'grpc.enable_channelz': 0,
    });
    this.server.addService(mcpProto().mcpman.mcp.v1.Mcp.service, this.handlers());
  }

  /**
   * Bind and start; resolves with `host:port` as clients dial it. With `orFreePort`, an address
   * that cannot be bound (taken by another manager, say) gives way to a free port on its host.
   */
  async start(options: { readonly orFreePort?: boolean } = {}): Promise<string> {
    const { host, port } = this.options.listen;
    try {
      return await this.bind(host, port);
    } catch (error) {
      if (options.orFreePort !== true || port === 0) throw error;
      return this.bind(host, 0);
    }
  }

  private bind(host: string, port: number): Promise<string> {
    const bindHost = host.includes(':') ? `[${host}]` : host;
    return new Promise((resolve, reject) => {
      this.server.bindAsync(`${bindHost}:${port}`, this.credentials(), (error, bound) => {
        if (error !== null) {
          reject(error);
          return;
        }
        this.boundPort = bound;
        resolve(`${bindHost}:${bound}`);
      });
    });
  }

  get port(): number | undefined {
    return this.boundPort;
  }

  private credentials(): ServerCredentials {
    const tls = this.options.tls;
    if (tls === undefined) return ServerCredentials.createInsecure();
    this.secure = new GatewayServerCredentials(tls);
    return this.secure;
  }

  /** New TLS material for the next handshakes; open connections keep theirs. */
  reloadTls(material: TlsMaterial): void {
    this.secure?.update(material);
  }

  /** Stop: open sessions end, calls in flight are cancelled after a short grace period. */
  async close(): Promise<void> {
    this.options.gateway.sessions.closeAll('grpc');
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, 1_000);
      this.server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
  }

  private handlers(): McpHandlers {
    const unary = this.unary.bind(this);
    const streamed = this.streamed.bind(this);
    return {
      Session: (call) => {
        this.session(call);
      },
      Discover: unary('server/discover', () => ({})),
      ListTools: unary('tools/list', listParams),
      ListPrompts: unary('prompts/list', listParams),
      ListResources: unary('resources/list', listParams),
      ListResourceTemplates: unary('resources/templates/list', listParams),
      CallTool: streamed('tools/call', (r) => ({
        name: r.name,
        arguments: parseObject('arguments_json', r.argumentsJson),
      })),
      GetPrompt: streamed('prompts/get', (r) => ({ name: r.name, arguments: { ...r.arguments } })),
      ReadResource: streamed('resources/read', (r) => ({ uri: r.uri })),
      Complete: unary('completion/complete', (r) => parseObject('params_json', r.paramsJson)),
      SetLoggingLevel: unary('logging/setLevel', (r) => ({ level: r.level })),
      Subscribe: unary('resources/subscribe', (r) => ({ uri: r.uri })),
      Unsubscribe: unary('resources/unsubscribe', (r) => ({ uri: r.uri })),
      Listen: streamed('subscriptions/listen', (r) => ({
        notifications: {
          toolsListChanged: r.toolsListChanged,
          promptsListChanged: r.promptsListChanged,
          resourcesListChanged: r.resourcesListChanged,
          resourceSubscriptions: [...r.resourceSubscriptions],
        },
      })),
    };
  }

  private unary<Req extends WithFields>(
    method: string,
    own: (request: Req) => JsonObject,
  ): (call: ServerUnaryCall<Req, McpResult>, callback: sendUnaryData<McpResult>) => void {
    return (call, callback) => {
      this.run(call, method, own, undefined).then(
        (result) => {
          callback(null, { resultJson: JSON.stringify(result) });
        },
        (error: unknown) => {
          callback(failureOf(error).status);
        },
      );
    };
  }

  private streamed<Req extends WithFields>(
    method: string,
    own: (request: Req) => JsonObject,
  ): (call: ServerWritableStream<Req, CallEvent>) => void {
    return (call) => {
      const emit: Emit = (message) => {
        if (!call.cancelled) call.write({ notificationJson: JSON.stringify(message) });
      };
      this.run(call, method, own, emit).then(
        (result) => {
          call.write({ resultJson: JSON.stringify(result) });
          call.end();
        },
        (error: unknown) => {
          call.emit('error', failureOf(error).status);
        },
      );
    };
  }

  /** Run one per-kind call: in the session it names, or statelessly in a request-scoped one. */
  private async run<Req extends WithFields>(
    call: ServerUnaryCall<Req, unknown> | ServerWritableStream<Req, unknown>,
    method: string,
    own: (request: Req) => JsonObject,
    emit: Emit | undefined,
  ): Promise<JsonObject> {
    const scope = this.scopeOf(call.metadata);
    const identity = await this.identify(call, scope);
    const { params, meta } = paramsOf(call.request.fields, own(call.request));
    const sessionId = firstValue(call.metadata, 'mcp-session-id');
    let session: ClientSession;
    if (sessionId !== undefined) {
      const found = this.options.gateway.sessions.find(sessionId, { transport: 'grpc', scope, identity });
      if (found === undefined) {
        throw CallFailure.of(MCPErrorCode.SessionNotFound, `Session not found: ${sessionId}`);
      }
      session = found;
    } else {
      // A per-kind call is a 2026-07-28 request, which has no session-only methods: the same
      // refusal as on Streamable HTTP, where the stream's Session or mcp-session-id gives one.
      if (SESSION_ONLY.has(method)) throw CallFailure.rpc(notInStatelessEra(method).toJsonRpc());
      session = this.statelessSession(scope, meta, identity);
      if (emit !== undefined) session.attach(onlyLogMessages(emit));
    }
    const request: JsonRpcRequest = { jsonrpc: '2.0', id: `grpc-${++this.nextId}`, method, params };
    // A cancelled call aborts the request the gateway tracks under its id (grpc-js also reports
    // calls that already ended as cancelled: then there is nothing left to abort).
    call.on('cancelled', () => {
      session.inflight.get(request.id)?.abort();
    });
    // Server-to-client requests of a session call go to the session's stream, where the client
    // answers them; notifications about the call go with the call.
    const relay: Emit = (message) => {
      if ('method' in message && 'id' in message) session.push(message);
      else emit?.(message);
    };
    try {
      const traceContext = traceContextOf((field) => firstValue(call.metadata, field));
      const response = await this.options.gateway.handle(
        session,
        request,
        traceContext === undefined ? { emit: relay } : { emit: relay, traceContext },
      );
      if (response === undefined) throw CallFailure.of(MCPErrorCode.Internal, 'no response');
      if ('error' in response) throw CallFailure.rpc(response.error);
      return response.result;
    } finally {
      if (sessionId === undefined) session.close();
    }
  }

  /** A throwaway 2026-07-28 session for one stateless call. */
  private statelessSession(
    scope: SessionScope,
    meta: JsonObject,
    identity: Identity | undefined,
  ): ClientSession {
    // The call itself says the era here, so an envelope may leave the version out.
    const version = meta[META.protocolVersion];
    const unsupported =
      version === undefined
        ? undefined
        : statelessVersionRefusal(
            version,
            `; stateless calls speak ${STATELESS_ERA_VERSION} (open a Session for older revisions)`,
          );
    if (unsupported !== undefined) throw CallFailure.rpc(unsupported.toJsonRpc());
    const session = statelessSession('grpc', scope, identity, STATELESS_ERA_VERSION, meta);
    this.options.gateway.openSession(session);
    return session;
  }

  /** The caller's identity; throws the refusal as UNAUTHENTICATED / PERMISSION_DENIED. */
  private async identify(
    call: {
      readonly metadata: Metadata;
      getAuthContext(): { readonly sslPeerCertificate?: { readonly subject?: unknown } } | null;
    },
    scope: SessionScope,
  ): Promise<Identity | undefined> {
    const authenticate = this.options.authenticate;
    if (authenticate === undefined) return undefined;
    const authorization = firstValue(call.metadata, 'authorization');
    const subject = call.getAuthContext()?.sslPeerCertificate?.subject as Record<string, unknown> | undefined;
    const cn = subject?.['CN'];
    const outcome = await authenticate(
      {
        ...(authorization === undefined ? {} : { authorization }),
        ...(typeof cn === 'string' ? { certificateCn: cn } : {}),
      },
      scope,
    );
    if (outcome.ok) return outcome.identity;
    throw CallFailure.rpc(outcome.error.toJsonRpc());
  }

  private scopeOf(metadata: Metadata): SessionScope {
    const server = firstValue(metadata, 'mcp-server');
    const profile = firstValue(metadata, 'mcp-profile');
    if (server !== undefined && profile !== undefined) {
      throw CallFailure.rpc(invalidRequest('send mcp-server or mcp-profile, not both').toJsonRpc());
    }
    if (profile !== undefined) {
      if (!this.options.gateway.hasProfile(profile))
        throw CallFailure.rpc(profileNotFound(profile).toJsonRpc());
      return mergedScope(profile);
    }
    if (server === undefined) return { kind: 'all' };
    if (!this.options.gateway.hasServer(server)) throw CallFailure.rpc(serverNotFound(server).toJsonRpc());
    return { kind: 'server', server };
  }

  /** The bidirectional Session stream: one MCP session, JSON-RPC both ways, like a WebSocket. */
  private session(call: ServerDuplexStream<JsonRpcMessage__Output, WireMessage>): void {
    const scope = ((): SessionScope | undefined => {
      try {
        return this.scopeOf(call.metadata);
      } catch (error) {
        call.emit('error', failureOf(error).status);
        return undefined;
      }
    })();
    if (scope === undefined) return;
    this.identify(call, scope).then(
      (identity) => {
        try {
          this.serveSession(call, scope, identity);
        } catch (error) {
          call.emit('error', failureOf(error).status);
        }
      },
      (error: unknown) => {
        call.emit('error', failureOf(error).status);
      },
    );
  }

  private serveSession(
    call: ServerDuplexStream<JsonRpcMessage__Output, WireMessage>,
    scope: SessionScope,
    identity: Identity | undefined,
  ): void {
    const session = new ClientSession('grpc', scope, identity);
    this.options.gateway.openSession(session);
    const headers = new Metadata();
    headers.set('mcp-session-id', session.id);
    call.sendMetadata(headers);
    const send = (message: unknown): void => {
      if (!call.cancelled && call.writable) call.write({ json: JSON.stringify(message) });
    };
    session.attach(send);
    const traceContext = traceContextOf((field) => firstValue(call.metadata, field));
    call.on('data', (frame: JsonRpcMessage__Output) => {
      serveFrame(this.options.gateway, session, frame.json, send, traceContext);
    });
    // The stream is authorized for as long as its credentials hold: a revoked or expired one ends
    // it, narrower grants apply to its next message.
    const recheck =
      identity === undefined
        ? undefined
        : setInterval(() => {
            this.identify(call, scope).then(
              (current) => {
                if (current !== undefined) session.reauthorize(current);
              },
              (error: unknown) => {
                call.emit('error', failureOf(error).status);
              },
            );
          }, this.options.pingMs);
    recheck?.unref();
    const end = (): void => {
      clearInterval(recheck);
      session.close();
    };
    call.on('end', () => {
      end();
      call.end();
    });
    call.on('cancelled', end);
    call.on('error', end);
  }
}

function listParams(request: WithFields & { readonly cursor: string }): JsonObject {
  return request.cursor === '' ? {} : { cursor: request.cursor };
}

function failureOf(error: unknown): CallFailure {
  if (error instanceof CallFailure) return error;
  if (isMCPError(error)) return CallFailure.rpc(error.toJsonRpc());
  return CallFailure.of(MCPErrorCode.Internal, error instanceof Error ? error.message : String(error));
}

/**
 * Server credentials from our TLS material. grpc-js's `createSsl` cannot set the minimum TLS
 * version; the options here go to `http2.createSecureServer` and to every secure-context update.
 */
class GatewayServerCredentials extends ServerCredentials {
  constructor(tls: TlsMaterial) {
    super(
      { requestCert: tls.clientCa !== undefined, rejectUnauthorized: tls.clientCa !== undefined },
      GatewayServerCredentials.contextOf(tls),
    );
  }

  private static contextOf(tls: TlsMaterial): SecureContextOptions {
    return {
      cert: tls.cert,
      key: tls.key,
      minVersion: tls.minVersion,
      ...(tls.clientCa === undefined ? {} : { ca: tls.clientCa }),
    };
  }

  /** grpc-js hands the new context to every http2 server bound with these credentials. */
  update(tls: TlsMaterial): void {
    this.updateSecureContextOptions(GatewayServerCredentials.contextOf(tls));
  }

  override _equals(other: ServerCredentials): boolean {
    return other === this;
  }
}
