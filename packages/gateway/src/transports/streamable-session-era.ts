import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  ACCEPTED_SESSION_VERSIONS,
  classifyMessage,
  errorResponse,
  MCPError,
  MCPErrorCode,
  sessionNotFound,
  toMCPError,
} from '@mcpman/protocol';
import type { JsonRpcMessage, JsonRpcResponse } from '@mcpman/protocol';
import { openSse } from '../http/sse.js';
import type { SseStream } from '../http/sse.js';
import { ClientSession } from '../pipeline/session.js';
import type { Identity, SessionScope } from '../pipeline/session.js';
import { chooseEncoding, refusal, writeError } from '../http/rpc-response.js';
import { ResumableStream, parseEventId } from './event-store.js';
import { accepts, header, traceFields } from './http-common.js';
import { responder } from './streamable-responder.js';
import type { ResponderOptions } from './streamable-responder.js';
import type { HttpTransportOptions } from './streamable-options.js';

/** A session-era session's SSE streams, kept for Last-Event-ID resumption. */
interface SessionStreams {
  readonly byId: Map<string, ResumableStream>;
  /** The GET stream (notifications not tied to a request), once opened. */
  get: ResumableStream | undefined;
}

/** The ids of the requests among `messages`. */
function idsOf(messages: readonly unknown[]): (string | number)[] {
  return messages.flatMap((message) => {
    const id = (message as { id?: unknown }).id;
    return typeof id === 'string' || typeof id === 'number' ? [id] : [];
  });
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
 * Streamable HTTP in the session era (2025 revisions): sessions from `initialize` to DELETE, POST
 * streams kept for Last-Event-ID resumption, the GET stream, and in a cluster streams another
 * replica answers followed through the shared log.
 */
export class SessionEraHttp {
  /** Streams of this transport's sessions; the sessions themselves are in the gateway's registry. */
  private readonly streams = new WeakMap<ClientSession, SessionStreams>();
  private readonly sweeper: NodeJS.Timeout;
  private readonly maxEvents: number;
  private readonly graceMs: number;
  private readonly responderOptions: ResponderOptions;

  constructor(private readonly options: HttpTransportOptions) {
    this.maxEvents = options.maxEventsPerStream ?? 1000;
    this.graceMs = options.deliveredStreamGraceMs ?? 10_000;
    this.responderOptions = {
      compression: options.compression,
      heartbeatMs: options.heartbeatMs,
      maxEvents: this.maxEvents,
      sharedEvents: options.sharedEvents,
    };
    const idle = options.sessionIdleMs ?? 30 * 60_000;
    this.sweeper = setInterval(
      () => {
        this.expire(idle);
      },
      Math.min(idle, 60_000),
    );
    this.sweeper.unref();
  }

  async post(
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
    const respond = responder(this.responderOptions, req, res, extraHeaders, owner, (stream) => {
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

  async get(
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

  async delete(
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
