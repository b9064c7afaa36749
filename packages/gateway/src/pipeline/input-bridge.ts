import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { MCPError, MCPErrorCode } from '@mcpman/protocol';
import type { Cancellation, JsonObject, JsonRpcMessage, JsonRpcRequest } from '@mcpman/protocol';

/** Server-to-client requests, and the client capability each needs. */
const CAPABILITY: Readonly<Record<string, string>> = {
  'sampling/createMessage': 'sampling',
  'elicitation/create': 'elicitation',
  'roots/list': 'roots',
};

/** A session-era server can name its request's key in the InputRequiredResult through this `_meta` key. */
export const INPUT_KEY_META = 'io.mcpman/input-key';

/** Requests that arrive this close together go to the client in one InputRequiredResult. */
const COLLECT_MS = 25;

interface PendingInput {
  readonly method: string;
  readonly params: JsonObject;
  readonly resolve: (result: JsonObject) => void;
  readonly reject: (error: unknown) => void;
}

type Outcome = { readonly kind: 'done'; readonly result: JsonObject } | { readonly kind: 'input' };

/** The JSON-RPC error a server gets when the client cannot answer what it asked. */
export function missingCapability(method: string, capability: string): MCPError {
  return new MCPError(
    MCPErrorCode.ProtocolMissingCapability,
    `the client did not declare the ${capability} capability that ${method} needs`,
    {
      data: { requiredCapabilities: { [capability]: {} } },
    },
  );
}

/** Can this client answer any server-to-client request at all? */
export function canGiveInput(clientCapabilities: JsonObject): boolean {
  return Object.values(CAPABILITY).some((capability) => capability in clientCapabilities);
}

/**
 * The answer to a server's request during a call from a client that declared none of the
 * capabilities to answer it: the call need not be parked, the server learns at once.
 */
export function answerWithoutClient(request: JsonRpcRequest): Promise<JsonObject> {
  const capability = CAPABILITY[request.method];
  if (capability !== undefined) return Promise.reject(missingCapability(request.method, capability));
  if (request.method === 'ping') return Promise.resolve({});
  return Promise.reject(
    new MCPError(MCPErrorCode.ProtocolMethodNotFound, `Method not found: ${request.method}`),
  );
}

/**
 * One call of a 2026-07-28 client to a session-era server that asked the client something mid-call.
 * The server waits on its request; the client gets an InputRequiredResult and answers with a
 * retry. The upstream call stays open in between: the gateway holds the state the protocol
 * says the server should.
 */
export class ParkedCall {
  readonly id = randomUUID();
  readonly createdAt = Date.now();
  private readonly pending = new Map<string, PendingInput>();
  private upstream: Promise<Outcome> | undefined;
  private wake: (() => void) | undefined;
  private counter = 0;
  /** Rounds of input asked so far; each round's requestState names its round. */
  round = 0;
  /** Where this round's related messages (progress) go. */
  emitTo: ((message: JsonRpcMessage) => void) | undefined;

  constructor(
    private readonly clientCapabilities: JsonObject,
    readonly abort: Cancellation,
    /** Who parked it, and what: only the same caller's retry of the same call may resume it. */
    readonly owner: CallOwner = { identity: 'anonymous', method: '' },
  ) {}

  /** The hub hands over a server-to-client request of this call; the promise is the answer. */
  collect = (request: JsonRpcRequest): Promise<JsonObject> => {
    const capability = CAPABILITY[request.method];
    if (capability !== undefined && !(capability in this.clientCapabilities)) {
      return Promise.reject(missingCapability(request.method, capability));
    }
    const params = { ...request.params };
    const meta = params['_meta'];
    let key: string | undefined;
    if (typeof meta === 'object' && meta !== null) {
      const named = (meta as JsonObject)[INPUT_KEY_META];
      if (typeof named === 'string' && named !== '' && !this.pending.has(named)) key = named;
      const { [INPUT_KEY_META]: _named, ...rest } = meta as JsonObject;
      if (Object.keys(rest).length === 0) delete params['_meta'];
      else params['_meta'] = rest;
    }
    key ??= `${(capability ?? request.method).replace(/\W+/g, '-')}-${++this.counter}`;
    return new Promise<JsonObject>((resolve, reject) => {
      this.pending.set(key, { method: request.method, params, resolve, reject });
      this.wake?.();
    });
  };

  emit(message: JsonRpcMessage): void {
    this.emitTo?.(message);
  }

  /** Start following the upstream call. */
  follow(upstream: Promise<JsonObject>): void {
    this.upstream = upstream.then((result) => ({ kind: 'done', result }));
  }

  /**
   * Wait for what happens next: the call finishes (its result), or the server asks the client
   * something (after a short pause to collect requests sent together).
   */
  async next(): Promise<Outcome> {
    const upstream = this.upstream;
    if (upstream === undefined) throw new MCPError(MCPErrorCode.Internal, 'parked call has no upstream call');
    if (this.pending.size > 0) return { kind: 'input' };
    const asked = new Promise<Outcome>((resolve) => {
      this.wake = () => {
        this.wake = undefined;
        setTimeout(() => {
          resolve({ kind: 'input' });
        }, COLLECT_MS);
      };
    });
    return Promise.race([upstream, asked]);
  }

  /** What the client is asked now: every server request still unanswered. */
  inputRequests(): JsonObject {
    return Object.fromEntries(
      [...this.pending].map(([key, input]) => [key, { method: input.method, params: input.params }]),
    );
  }

  /** inputResponses must map keys to result objects; anything else is a protocol error. */
  static validate(inputResponses: unknown): JsonObject {
    if (typeof inputResponses !== 'object' || inputResponses === null || Array.isArray(inputResponses)) {
      throw new MCPError(
        MCPErrorCode.ProtocolInvalidParams,
        'inputResponses must be an object keyed by the inputRequests keys',
      );
    }
    for (const [key, value] of Object.entries(inputResponses as JsonObject)) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new MCPError(
          MCPErrorCode.ProtocolInvalidParams,
          `inputResponses.${key} must be a result object`,
        );
      }
    }
    return inputResponses as JsonObject;
  }

  /** Answers from the client's retry; keys it does not know are ignored. */
  supply(inputResponses: unknown): void {
    for (const [key, value] of Object.entries(ParkedCall.validate(inputResponses))) {
      const input = this.pending.get(key);
      if (input === undefined) continue;
      this.pending.delete(key);
      input.resolve(value as JsonObject);
    }
  }

  /** Give up: the server's open requests fail, the upstream call is cancelled. */
  cancel(reason: string): void {
    for (const input of this.pending.values()) input.reject(new MCPError(MCPErrorCode.Cancelled, reason));
    this.pending.clear();
    this.abort.abort();
  }
}

/** Who parked a call and which call it is: a requestState resumes it only for the same. */
export interface CallOwner {
  readonly identity: string;
  /** The client's session, when it has one that lives across requests (the session era). */
  readonly session?: string;
  readonly method: string;
  /** The tool or prompt name, or resource URI, the call was for. */
  readonly target?: string;
}

function sameCall(a: CallOwner, b: CallOwner): boolean {
  return (
    a.identity === b.identity &&
    (a.session === undefined || a.session === b.session) &&
    a.method === b.method &&
    a.target === b.target
  );
}

/**
 * Parked calls by id, and the integrity-protected `requestState` tokens that name them: an
 * HMAC with a key known only to this gateway process, so a client cannot forge or alter one.
 * A token resumes its call only for the identity (and session) that parked it, and one identity
 * holds at most `perIdentity` parked calls: its oldest make way, never another's.
 */
export class InputBridge {
  private readonly calls = new Map<string, ParkedCall>();
  private readonly key = randomBytes(32);
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly ttlMs = 10 * 60_000,
    private readonly maxCalls = 10_000,
    private readonly perIdentity = 256,
  ) {
    this.sweeper = setInterval(() => {
      this.expire();
    }, 60_000);
    this.sweeper.unref();
  }

  park(call: ParkedCall): void {
    const own = [...this.calls.values()].filter((c) => c.owner.identity === call.owner.identity);
    if (own.length >= this.perIdentity && own[0] !== undefined) this.drop(own[0]);
    if (this.calls.size >= this.maxCalls) {
      this.expire();
      if (this.calls.size >= this.maxCalls)
        throw new MCPError(
          MCPErrorCode.LimitExceeded,
          'the gateway holds as many calls waiting for input as it may',
          {
            hint: 'Answer or cancel the calls waiting for input, then try again.',
          },
        );
    }
    this.calls.set(call.id, call);
  }

  private drop(call: ParkedCall): void {
    this.calls.delete(call.id);
    call.cancel('too many calls of this identity were waiting for input');
  }

  release(call: ParkedCall): void {
    this.calls.delete(call.id);
  }

  /** A fresh token for the next round of `call`; the earlier rounds' tokens stop working. */
  token(call: ParkedCall): string {
    call.round += 1;
    const claims = { id: call.id, round: call.round, exp: call.createdAt + this.ttlMs };
    const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return `${body}.${createHmac('sha256', this.key).update(body).digest('base64url')}`;
  }

  /**
   * The parked call a token names, for the caller and call `retry` says; tampered, unknown and
   * expired tokens, and another caller's, are errors.
   */
  resolve(token: unknown, retry: CallOwner): ParkedCall {
    if (typeof token !== 'string')
      throw new MCPError(
        MCPErrorCode.ProtocolInvalidParams,
        'requestState must be the string the server returned',
      );
    const [body = '', signature = ''] = token.split('.');
    const expected = createHmac('sha256', this.key).update(body).digest();
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new MCPError(MCPErrorCode.ProtocolInvalidParams, 'requestState failed its integrity check');
    }
    let claims: { id?: unknown; round?: unknown } = {};
    try {
      claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as typeof claims;
    } catch {
      claims = {};
    }
    const call = typeof claims.id === 'string' ? this.calls.get(claims.id) : undefined;
    if (call !== undefined && claims.round !== call.round) {
      throw new MCPError(
        MCPErrorCode.ProtocolInvalidParams,
        'requestState is from an earlier round of this call',
        {
          hint: 'Answer with the requestState of the latest InputRequiredResult.',
        },
      );
    }
    if (call === undefined || !sameCall(call.owner, retry)) {
      // Another caller's state reads as one that has ended: it says nothing about that call.
      throw new MCPError(
        MCPErrorCode.ProtocolInvalidParams,
        'requestState names a call that has ended or expired',
        {
          hint: 'Send the request again without requestState.',
        },
      );
    }
    return call;
  }

  private expire(): void {
    const cutoff = Date.now() - this.ttlMs;
    for (const call of this.calls.values()) {
      if (call.createdAt < cutoff) {
        this.calls.delete(call.id);
        call.cancel('the client did not answer in time');
      }
    }
  }

  dispose(): void {
    clearInterval(this.sweeper);
    for (const call of this.calls.values()) call.cancel('the gateway is stopping');
    this.calls.clear();
  }
}
