import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  ACCEPTED_SESSION_VERSIONS,
  Cancellation,
  classifyMessage,
  ERA_HTTP_STATUS,
  errorResponse,
  isMCPError,
  MCPError,
  MCPErrorCode,
  META,
  serverNotFound,
  sessionNotFound,
  STATELESS_ERA_VERSION,
  toMCPError,
} from '@mcpman/core';
import type { JsonObject, JsonRpcMessage, JsonRpcRequest, JsonRpcResponse } from '@mcpman/core';
import { readBody } from '../http/respond.js';
import { openSse } from '../http/sse.js';
import type { SseStream } from '../http/sse.js';
import type { Gateway } from '../pipeline/gateway.js';
import { ClientSession, onlyLogMessages, statelessSession } from '../pipeline/session.js';
import { decodeParamHeader } from '../pipeline/param-headers.js';
import type { Identity, SessionScope } from '../pipeline/session.js';
import { ResumableStream, parseEventId } from './event-store.js';
import type { SharedEventLog } from './shared-events.js';
import { accepts, admitHttp, header, rateLimitStatus } from './http-common.js';
import { chooseEncoding, refusal, writeError, writeJsonBody } from '../http/rpc-response.js';
import type { Encoding } from '../http/rpc-response.js';
import type { IdentifyHttp, OriginCheck } from './http-common.js';
import { traceFields } from './http-common.js';

export interface HttpTransportOptions {
  readonly gateway: Gateway;
  /** The Origin check of the gateway's WebGuard. */
  readonly originAllowed: OriginCheck;
  readonly maxRequestBytes: number;
  readonly heartbeatMs: number;
  readonly compression: boolean;
  /** Events kept per stream for Last-Event-ID resumption. */
  readonly maxEventsPerStream?: number;
  /** Session-era sessions idle this long (and without an open stream) are closed. */
  readonly sessionIdleMs?: number;
  readonly identify?: IdentifyHttp;
  /** A cluster's shared log of POST streams, so a cut stream resumes on any replica. */
  readonly sharedEvents?: SharedEventLog;
  /** Response streams a session keeps for resumption (gateway.sessionLimits.streamsPerSession). */
  readonly streamsPerSession?: number;
  /** How long a POST stream whose response went out is kept, for a client that lost it anyway. */
  readonly deliveredStreamGraceMs?: number;
}

/** A session-era session's SSE streams, kept for Last-Event-ID resumption. */
interface SessionStreams {
  readonly byId: Map<string, ResumableStream>;
  /** The GET stream (notifications not tied to a request), once opened. */
  get: ResumableStream | undefined;
}

/** Methods whose target must be mirrored in `Mcp-Name` (2026-07-28). */
const NAMED_METHODS: Readonly<Record<string, 'name' | 'uri'>> = {
  'tools/call': 'name',
  'prompts/get': 'name',
  'resources/read': 'uri',
};

/** The ids of the requests among `messages`. */
function idsOf(messages: readonly unknown[]): (string | number)[] {
  return messages.flatMap((message) => {
    const id = (message as { id?: unknown }).id;
    return typeof id === 'string' || typeof id === 'number' ? [id] : [];
  });
}

/** `=?base64?…?=` header values carry what plain ASCII cannot (2026-07-28). */
function metaOf(message: unknown): JsonObject | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const params = (message as { params?: unknown }).params;
  if (typeof params !== 'object' || params === null) return undefined;
  const meta = (params as { _meta?: unknown })._meta;
  return typeof meta === 'object' && meta !== null ? (meta as JsonObject) : undefined;
}

/**
 * What forgets a delivered stream after `ms`. Made here, outside any request's scope, so the
 * timer holds the map and the id only: a closure made inside the request handler would keep the
 * whole request (its response, its stream, their buffers) alive until the timer fires.
 */
function dropLater(byId: Map<string, ResumableStream>, id: string, ms: number): () => void {
  return () => {
    setTimeout(() => byId.delete(id), ms).unref();
  };
}

/**
 * Streamable HTTP on `/mcp` and `/servers/<name>/mcp`, both protocol eras on one endpoint. A
 * request whose `_meta` (or MCP-Protocol-Version header) names 2026-07-28 is served statelessly;
 * everything else is the session era's shape.
 */
export class StreamableHttpTransport {
  /** Streams of this transport's sessions; the sessions themselves are in the gateway's registry. */
  private readonly streams = new WeakMap<ClientSession, SessionStreams>();
  private readonly sweeper: NodeJS.Timeout;
  private readonly maxEvents: number;
  private readonly graceMs: number;

  constructor(private readonly options: HttpTransportOptions) {
    this.maxEvents = options.maxEventsPerStream ?? 1000;
    this.graceMs = options.deliveredStreamGraceMs ?? 10_000;
    const idle = options.sessionIdleMs ?? 30 * 60_000;
    this.sweeper = setInterval(
      () => {
        this.expire(idle);
      },
      Math.min(idle, 60_000),
    );
    this.sweeper.unref();
  }

  async handle(req: IncomingMessage, res: ServerResponse, scope: SessionScope): Promise<void> {
    const caller = await admitHttp(req, res, scope, this.options);
    if (caller === undefined) return;
    const { identity } = caller;
    switch (req.method) {
      case 'POST':
        await this.post(req, res, scope, identity);
        return;
      case 'GET':
        await this.get(req, res, scope, identity);
        return;
      case 'DELETE':
        await this.delete(req, res, scope, identity);
        return;
      default:
        res.writeHead(405, { allow: 'GET, POST, DELETE' }).end();
    }
  }

  // --- POST -----------------------------------------------------------------------------------

  private async post(
    req: IncomingMessage,
    res: ServerResponse,
    scope: SessionScope,
    identity: Identity | undefined,
  ): Promise<void> {
    if (!(header(req, 'content-type') ?? '').includes('application/json')) {
      writeError(
        res,
        refusal(
          MCPErrorCode.UnsupportedMediaType,
          'Unsupported Media Type: Content-Type must be application/json',
        ),
      );
      return;
    }
    if (!accepts(req, 'application/json') && !accepts(req, 'text/event-stream')) {
      writeError(
        res,
        refusal(
          MCPErrorCode.NotAcceptable,
          'Not Acceptable: Accept must include application/json or text/event-stream',
        ),
      );
      return;
    }
    let body: unknown;
    try {
      const raw = await readBody(req, this.options.maxRequestBytes);
      body = JSON.parse(raw.toString('utf8'));
    } catch (error) {
      if (isMCPError(error) && error.code === MCPErrorCode.PayloadTooLarge) {
        writeError(res, error);
      } else {
        writeError(res, refusal(MCPErrorCode.ProtocolParseError, 'Parse error: the body is not valid JSON'));
      }
      return;
    }
    const messages: unknown[] = Array.isArray(body) ? body : [body];
    if (messages.length === 0) {
      writeError(res, refusal(MCPErrorCode.ProtocolInvalidRequest, 'Invalid Request: empty batch'));
      return;
    }
    const versionHeader = header(req, 'mcp-protocol-version');
    const stateless =
      messages.some((m) => typeof metaOf(m)?.[META.protocolVersion] === 'string') ||
      (versionHeader !== undefined && versionHeader >= STATELESS_ERA_VERSION);
    if (stateless) await this.postStateless(req, res, scope, messages, identity);
    else await this.postSessionEra(req, res, scope, messages, identity);
  }

  private async postSessionEra(
    req: IncomingMessage,
    res: ServerResponse,
    scope: SessionScope,
    messages: unknown[],
    identity: Identity | undefined,
  ): Promise<void> {
    const kinds = messages.map((m) => classifyMessage(m));
    const isInit = kinds.some((k) => k.kind === 'request' && k.message.method === 'initialize');
    let session: ClientSession | undefined;
    const extraHeaders: Record<string, string> = {};
    if (isInit) {
      if (messages.length > 1) {
        writeError(
          res,
          refusal(MCPErrorCode.ProtocolInvalidRequest, 'Invalid Request: initialize must be sent alone'),
        );
        return;
      }
      session = new ClientSession('streamable-http', scope, identity);
      try {
        this.options.gateway.openSession(session);
      } catch (error) {
        writeError(res, toMCPError(error), { id: idsOf(messages)[0] ?? null });
        return;
      }
      this.streams.set(session, { byId: new Map(), get: undefined });
      extraHeaders['mcp-session-id'] = session.id;
    } else {
      const id = header(req, 'mcp-session-id');
      if (id === undefined) {
        writeError(
          res,
          refusal(MCPErrorCode.ProtocolInvalidRequest, 'Bad Request: Mcp-Session-Id header is required'),
        );
        return;
      }
      session = await this.find(res, id, scope, identity);
      if (session === undefined) return;
      const version = header(req, 'mcp-protocol-version');
      if (version !== undefined && !ACCEPTED_SESSION_VERSIONS.has(version)) {
        writeError(
          res,
          refusal(
            MCPErrorCode.ProtocolUnsupportedVersion,
            `Bad Request: Unsupported protocol version: ${version}`,
            {
              supported: [...ACCEPTED_SESSION_VERSIONS],
              requested: version,
            },
          ),
        );
        return;
      }
    }
    const requests = messages.filter((_m, i) => kinds[i]?.kind === 'request' || kinds[i]?.kind === 'invalid');
    if (requests.length === 0) {
      for (const message of messages)
        await this.options.gateway.handle(session, message, { emit: () => undefined });
      // notifications/initialized changes what another replica must know; a miss is not the
      // client's problem (the replica that has the session goes on serving it).
      await this.options.gateway.sessions.share(session).catch(() => undefined);
      res.writeHead(202).end();
      return;
    }
    const streams = this.streams.get(session);
    if (streams !== undefined && !this.makeRoom(streams)) {
      writeError(
        res,
        new MCPError(
          MCPErrorCode.LimitExceeded,
          `this session has ${streams.byId.size} response streams still open, its limit`,
          {
            hint: 'Wait for answers before sending more; gateway.sessionLimits.streamsPerSession sets the cap.',
          },
        ),
        { id: idsOf(requests)[0] ?? null },
      );
      return;
    }
    // Only a cluster keeps streams where other replicas read them; alone, nothing extra is done.
    const owner =
      this.options.sharedEvents === undefined
        ? undefined
        : { sessionId: session.id, requestIds: idsOf(requests) };
    const graceMs = this.graceMs;
    const respond = this.responder(req, res, extraHeaders, owner, (stream) => {
      streams?.byId.set(stream.id, stream);
      // Delivered: kept a little longer for a client whose connection broke at the very end (and
      // evicted first when the session needs room).
      return streams === undefined ? undefined : dropLater(streams.byId, stream.id, graceMs);
    });
    const notifications = messages.filter((m) => !requests.includes(m));
    for (const message of notifications)
      await this.options.gateway.handle(session, message, { emit: () => undefined });
    // A disconnect is not a cancellation in the session era: calls run on, their answers are kept.
    const responses = await Promise.all(
      requests.map((message) =>
        this.options.gateway.handle(session, message, {
          emit: respond.emit,
          ...traceFields(req),
        }),
      ),
    );
    // A failed initialize leaves no session behind (closing it takes it out of the registry).
    if (isInit && (responses[0] === undefined || 'error' in responses[0])) session.close();
    else if (isInit) {
      // In a cluster a session must be known to every replica, or it breaks at the first
      // request another one gets: without the shared state, initialize fails clearly.
      const shared = await this.options.gateway.sessions.share(session).then(
        () => undefined,
        (error: unknown) => toMCPError(error),
      );
      if (shared !== undefined) {
        session.close();
        writeError(res, shared);
        return;
      }
    }
    respond.finish(
      responses.filter((r): r is JsonRpcResponse => r !== undefined),
      Array.isArray(messages) && messages.length > 1,
    );
  }

  /**
   * Answer a POST with JSON, or with SSE once something has to stream before the response
   * (progress, a server-to-client request) and the client accepts SSE.
   */
  private responder(
    req: IncomingMessage,
    res: ServerResponse,
    headers: Readonly<Record<string, string>>,
    owner: { readonly sessionId: string; readonly requestIds: readonly (string | number)[] } | undefined,
    /** Keep the stream for resumption; returns what to do once its response was delivered. */
    register: (stream: ResumableStream) => (() => void) | undefined,
  ): {
    emit: (message: JsonRpcMessage) => void;
    finish: (responses: JsonRpcResponse[], batch: boolean) => void;
    readonly streaming: boolean;
  } {
    const encoding: Encoding = chooseEncoding(req, this.options.compression);
    const canStream = accepts(req, 'text/event-stream');
    const wantsJson = accepts(req, 'application/json');
    let stream: ResumableStream | undefined;
    const open = (): ResumableStream => {
      if (stream !== undefined) return stream;
      const id = randomUUID();
      const shared = owner === undefined ? undefined : this.options.sharedEvents;
      if (shared !== undefined && owner !== undefined) shared.open({ streamId: id, ...owner });
      stream = new ResumableStream(
        id,
        this.maxEvents,
        false,
        shared === undefined
          ? undefined
          : (seq, message, final) => {
              shared.append(id, seq, message, final);
            },
        // Called only once the response went out, after `delivered` is set below.
        () => {
          delivered?.();
        },
      );
      const delivered = register(stream);
      // Not gzipped: a POST's stream is short and mostly small, and a zlib context per request
      // costs native memory that a busy session would pile up faster than it is returned.
      stream.connect(openSse(res, { heartbeatMs: this.options.heartbeatMs, headers }), 0);
      stream.prime();
      return stream;
    };
    if (!wantsJson) open();
    return {
      emit: (message) => {
        if (canStream) open().send(message);
      },
      finish: (responses, batch) => {
        if (stream !== undefined) {
          responses.forEach((response, index) => {
            if (index === responses.length - 1) stream?.finish(response);
            else stream?.send(response);
          });
          return;
        }
        const limited = batch ? undefined : rateLimitStatus(responses[0]);
        writeJsonBody(res, limited?.status ?? 200, batch ? responses : responses[0], encoding, {
          ...headers,
          ...limited?.headers,
        });
      },
      get streaming() {
        return stream !== undefined;
      },
    };
  }

  private async postStateless(
    req: IncomingMessage,
    res: ServerResponse,
    scope: SessionScope,
    messages: unknown[],
    identity: Identity | undefined,
  ): Promise<void> {
    if (messages.length !== 1) {
      writeError(
        res,
        refusal(
          MCPErrorCode.ProtocolInvalidRequest,
          'Invalid Request: 2026-07-28 requests are sent one per POST',
        ),
      );
      return;
    }
    const message = messages[0];
    const classified = classifyMessage(message);
    const id =
      classified.kind === 'request'
        ? classified.message.id
        : classified.kind === 'invalid'
          ? classified.id
          : null;
    const meta = metaOf(message) ?? {};
    const version = meta[META.protocolVersion];
    const fail = (code: MCPErrorCode, text: string, data?: JsonObject): void => {
      writeError(res, refusal(code, text, data), { id });
    };
    if (classified.kind === 'invalid') {
      fail(MCPErrorCode.ProtocolInvalidRequest, `Invalid Request: ${classified.reason}`);
      return;
    }
    if (typeof version !== 'string') {
      fail(
        MCPErrorCode.ProtocolInvalidParams,
        `Invalid params: _meta["${META.protocolVersion}"] is required`,
      );
      return;
    }
    if (classified.kind === 'request' && typeof meta[META.clientCapabilities] !== 'object') {
      fail(
        MCPErrorCode.ProtocolInvalidParams,
        `Invalid params: _meta["${META.clientCapabilities}"] is required`,
      );
      return;
    }
    // Headers that disagree with the body are refused before anything in the body is believed.
    const mismatch = this.headerMismatch(
      req,
      classified.kind === 'response' ? undefined : classified.message,
      version,
    );
    if (mismatch !== undefined) {
      fail(MCPErrorCode.ProtocolHeaderMismatch, `Header mismatch: ${mismatch}`);
      return;
    }
    if (version !== STATELESS_ERA_VERSION) {
      fail(MCPErrorCode.ProtocolUnsupportedVersion, `Unsupported protocol version: ${version}`, {
        supported: [STATELESS_ERA_VERSION],
        requested: version,
      });
      return;
    }
    if (classified.kind !== 'request') {
      res.writeHead(202).end();
      return;
    }
    const request = classified.message;
    const session = statelessSession('streamable-http', scope, identity, version, meta);
    this.options.gateway.openSession(session);
    // Closing the response stream is the 2026-07-28 way to cancel a request.
    const cancellation = new Cancellation();
    res.on('close', () => {
      if (!res.writableFinished) cancellation.abort();
    });
    // Stateless streams are not resumable: closing one cancels its request.
    const respond = this.responder(req, res, {}, undefined, () => undefined);
    // Log messages for the level this request asked for go with its response.
    session.attach(onlyLogMessages(respond.emit));
    try {
      const response = await this.options.gateway.handle(session, request, {
        emit: respond.emit,
        cancellation,
        ...traceFields(req),
        paramHeaders: (name) => header(req, `mcp-param-${name.toLowerCase()}`),
      });
      if (response === undefined || cancellation.aborted) return;
      const status =
        'error' in response && !respond.streaming
          ? ERA_HTTP_STATUS.stateless[response.error.code]
          : undefined;
      if (status !== undefined) {
        writeJsonBody(res, status, response, undefined);
        return;
      }
      const limited = respond.streaming ? undefined : rateLimitStatus(response);
      if (limited !== undefined) {
        writeJsonBody(res, limited.status, response, undefined, limited.headers);
        return;
      }
      respond.finish([response], false);
    } finally {
      session.close();
    }
  }

  /** 2026-07-28 header/body mirroring: what is wrong, or undefined when all match. */
  private headerMismatch(
    req: IncomingMessage,
    message: JsonRpcRequest | { method: string; params?: JsonObject } | undefined,
    version: string,
  ): string | undefined {
    const versionHeader = header(req, 'mcp-protocol-version');
    if (versionHeader !== version)
      return `MCP-Protocol-Version header ${JSON.stringify(versionHeader ?? null)} does not match _meta ${version}`;
    if (message === undefined) return undefined;
    const method = header(req, 'mcp-method');
    if (method !== message.method)
      return `Mcp-Method header ${JSON.stringify(method ?? null)} does not match method ${message.method}`;
    const field = NAMED_METHODS[message.method];
    if (field !== undefined) {
      const value = message.params?.[field];
      const raw = header(req, 'mcp-name');
      const name = raw === undefined ? undefined : decodeParamHeader(raw);
      if (name !== value)
        return `Mcp-Name header ${JSON.stringify(name ?? null)} does not match params.${field}`;
    }
    return undefined;
  }

  // --- GET and DELETE ---------------------------------------------------------------------------

  private async get(
    req: IncomingMessage,
    res: ServerResponse,
    scope: SessionScope,
    identity: Identity | undefined,
  ): Promise<void> {
    const id = header(req, 'mcp-session-id');
    if (id === undefined) {
      // 2026-07-28 has no GET stream; session-era clients need their session.
      res.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    if (!accepts(req, 'text/event-stream')) {
      writeError(
        res,
        refusal(MCPErrorCode.NotAcceptable, 'Not Acceptable: Accept must include text/event-stream'),
      );
      return;
    }
    const session = await this.find(res, id, scope, identity);
    if (session === undefined) return;
    const entry = this.streams.get(session);
    if (entry === undefined) {
      writeError(res, sessionNotFound());
      return;
    }
    session.touch();
    const last = header(req, 'last-event-id');
    const resume = last === undefined ? undefined : parseEventId(last);
    const local = resume === undefined ? undefined : entry.byId.get(resume.streamId);
    const elsewhere =
      resume !== undefined && local === undefined && (await this.sharedStream(res, resume.streamId, session));
    if (elsewhere === undefined) return;
    const sse = openSse(res, {
      heartbeatMs: this.options.heartbeatMs,
      gzip: chooseEncoding(req, this.options.compression) !== undefined,
    });
    if (resume !== undefined && local !== undefined) {
      local.connect(sse, resume.seq);
      return;
    }
    if (resume !== undefined && elsewhere) {
      await this.followShared(sse, resume.streamId, resume.seq);
      return;
    }
    if (entry.get === undefined) {
      const stream = new ResumableStream(randomUUID(), this.maxEvents, true);
      entry.get = stream;
      entry.byId.set(stream.id, stream);
      session.attach((message) => {
        stream.send(message);
      });
    }
    entry.get.connect(sse, Number.MAX_SAFE_INTEGER);
    entry.get.prime();
  }

  /**
   * Whether a stream this replica does not have is one of the session's in the cluster's shared
   * log; undefined (the request answered) when the log cannot say.
   */
  private async sharedStream(
    res: ServerResponse,
    streamId: string,
    session: ClientSession,
  ): Promise<boolean | undefined> {
    const shared = this.options.sharedEvents;
    if (shared === undefined) return false;
    try {
      return await shared.has(streamId, session.id);
    } catch (error) {
      writeError(res, toMCPError(error));
      return undefined;
    }
  }

  /**
   * Replay and follow a stream another replica answers. If that replica stops before its
   * response, each request still waiting gets an error saying so: the client retries instead of
   * waiting for an answer that cannot come.
   */
  private async followShared(sse: SseStream, streamId: string, afterSeq: number): Promise<void> {
    const shared = this.options.sharedEvents;
    if (shared === undefined) return;
    const abort = new AbortController();
    sse.onClose(() => {
      abort.abort();
    });
    let seq = afterSeq;
    const write = (at: number, message: JsonRpcMessage | undefined): void => {
      seq = Math.max(seq, at);
      sse.send(
        message === undefined ? undefined : 'message',
        message === undefined ? '' : JSON.stringify(message),
        `${streamId}.${at}`,
      );
    };
    try {
      const end = await shared.follow(streamId, afterSeq, write, abort.signal);
      if (end.kind === 'owner-gone') {
        const lost = new MCPError(
          MCPErrorCode.UpstreamClosed,
          'the gateway replica answering this request stopped before it finished; send the request again',
        ).toJsonRpc();
        for (const id of end.unanswered) write(seq + 1, errorResponse(id, lost));
      }
    } catch {
      // The shared state went away mid-stream: the client can resume again once it is back.
    }
    sse.close();
  }

  private async delete(
    req: IncomingMessage,
    res: ServerResponse,
    scope: SessionScope,
    identity: Identity | undefined,
  ): Promise<void> {
    const id = header(req, 'mcp-session-id');
    if (id === undefined) {
      res.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    const session = await this.find(res, id, scope, identity);
    if (session === undefined) return;
    await this.options.gateway.sessions.end(session).catch(() => undefined);
    res.writeHead(200).end();
  }

  /**
   * The session `id` names for this caller: this replica's, or in a cluster one another replica
   * opened (adopted here). Answers the request itself when there is none (or the shared state
   * cannot say), and then returns undefined.
   */
  private async find(
    res: ServerResponse,
    id: string,
    scope: SessionScope,
    identity: Identity | undefined,
  ): Promise<ClientSession | undefined> {
    try {
      const session = await this.options.gateway.sessions.resolve(
        id,
        { transport: 'streamable-http', scope, identity },
        (adopted) => {
          this.streams.set(adopted, { byId: new Map(), get: undefined });
          this.options.gateway.openSession(adopted);
        },
      );
      if (session === undefined) writeError(res, sessionNotFound());
      return session;
    } catch (error) {
      writeError(res, toMCPError(error));
      return undefined;
    }
  }

  /**
   * Room for one more response stream in a session: finished ones (oldest first) make way; false
   * when every kept stream is still answering.
   */
  private makeRoom(streams: SessionStreams): boolean {
    const cap = this.options.streamsPerSession ?? 64;
    if (streams.byId.size < cap) return true;
    for (const [id, stream] of streams.byId) {
      if (streams.byId.size < cap) break;
      if (stream.done && stream !== streams.get) streams.byId.delete(id);
    }
    return streams.byId.size < cap;
  }

  private expire(idleMs: number): void {
    this.options.gateway.sessions.expireIdle('streamable-http', idleMs, (session) =>
      [...(this.streams.get(session)?.byId.values() ?? [])].some((stream) => stream.connected),
    );
  }

  close(): void {
    clearInterval(this.sweeper);
    this.options.gateway.sessions.closeAll('streamable-http');
  }
}

export function requireServer(gateway: Gateway, name: string): void {
  if (!gateway.hasServer(name)) throw serverNotFound(name);
}
