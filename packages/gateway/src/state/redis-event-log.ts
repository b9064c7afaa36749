import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { JsonRpcId, JsonRpcMessage } from '@mcpman/protocol';
import type { FollowEnd, SharedEventLog, SharedStreamInfo } from '../transports/shared-events.js';
import type { RedisState } from './redis-state.js';

/** A replica that has not said it is alive for this long is gone (it refreshes every second). */
const REPLICA_TTL_MS = 5_000;
const HEARTBEAT_MS = 1_000;
/** How long one blocking read waits before the owner's liveness is checked again. */
const BLOCK_MS = 1_000;

interface StreamMeta {
  readonly session: string;
  readonly owner: string;
  readonly requests: JsonRpcId[];
}

function parseMeta(value: string | null): StreamMeta | undefined {
  if (value === null) return undefined;
  try {
    const parsed = JSON.parse(value) as Partial<StreamMeta>;
    if (
      typeof parsed.session !== 'string' ||
      typeof parsed.owner !== 'string' ||
      !Array.isArray(parsed.requests)
    )
      return undefined;
    return { session: parsed.session, owner: parsed.owner, requests: parsed.requests };
  } catch {
    return undefined;
  }
}

/** The id of the response a message is, when it is one. */
function responseId(message: JsonRpcMessage | undefined): JsonRpcId | undefined {
  if (message === undefined || 'method' in message) return undefined;
  const id = (message as { id?: unknown }).id;
  return typeof id === 'string' || typeof id === 'number' ? id : undefined;
}

/**
 * Streams in the cluster's Redis: each POST stream a Redis stream (`<prefix>events:<id>`, entry
 * ids `0-<seq>`, capped at the per-stream event limit) with its owner and requests beside it,
 * both expiring with the session idle timeout. Each replica keeps a heartbeat key, so one that
 * follows a stream knows when the owner died and the rest will never come.
 */
export class RedisEventLog implements SharedEventLog {
  private readonly replica = randomUUID();
  private readonly heartbeat: NodeJS.Timeout;
  /** Appends of one stream in order: each waits for the one before. */
  private readonly tails = new Map<string, Promise<void>>();
  private readonly readers = new Set<Redis>();

  constructor(
    private readonly state: RedisState,
    private readonly ttlMs: number,
    private readonly maxEvents: number,
  ) {
    this.beat();
    this.heartbeat = setInterval(() => {
      this.beat();
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  private beat(): void {
    this.state
      .run('the replica heartbeat', (redis) =>
        redis.set(this.replicaKey(this.replica), '1', 'PX', REPLICA_TTL_MS),
      )
      .catch(() => undefined);
  }

  private replicaKey(id: string): string {
    return this.state.key('replica', id);
  }

  private eventsKey(streamId: string): string {
    return this.state.key('events', streamId);
  }

  private metaKey(streamId: string): string {
    return this.state.key('events', streamId, 'meta');
  }

  open(info: SharedStreamInfo): void {
    const meta: StreamMeta = { session: info.sessionId, owner: this.replica, requests: [...info.requestIds] };
    this.enqueue(info.streamId, (redis) =>
      redis.set(this.metaKey(info.streamId), JSON.stringify(meta), 'PX', this.ttlMs).then(() => undefined),
    );
  }

  append(streamId: string, seq: number, message: JsonRpcMessage | undefined, final: boolean): void {
    const key = this.eventsKey(streamId);
    this.enqueue(streamId, async (redis) => {
      await redis
        .multi()
        .xadd(
          key,
          'MAXLEN',
          '~',
          String(this.maxEvents),
          `0-${seq}`,
          'm',
          message === undefined ? '' : JSON.stringify(message),
          'f',
          final ? '1' : '0',
        )
        .pexpire(key, this.ttlMs)
        .exec();
    });
    if (final) {
      const tail = this.tails.get(streamId);
      void tail?.finally(() => {
        if (this.tails.get(streamId) === tail) this.tails.delete(streamId);
      });
    }
  }

  private enqueue(streamId: string, command: (redis: Redis) => Promise<void>): void {
    const previous = this.tails.get(streamId) ?? Promise.resolve();
    // A failed write loses that event for other replicas only; this one still has it.
    const next = previous.then(() => this.state.run('keeping a stream', command)).catch(() => undefined);
    this.tails.set(streamId, next);
  }

  async has(streamId: string, sessionId: string): Promise<boolean> {
    const meta = parseMeta(
      await this.state.run('resuming a stream', (redis) => redis.get(this.metaKey(streamId))),
    );
    return meta?.session === sessionId;
  }

  async follow(
    streamId: string,
    afterSeq: number,
    onEvent: (seq: number, message: JsonRpcMessage | undefined) => void,
    signal: AbortSignal,
  ): Promise<FollowEnd> {
    // Blocking reads need a connection of their own, without the one-second command timeout.
    const reader = this.state.redis.duplicate({ commandTimeout: BLOCK_MS * 5, enableOfflineQueue: true });
    reader.on('error', () => undefined);
    this.readers.add(reader);
    const stop = (): void => {
      reader.disconnect();
    };
    signal.addEventListener('abort', stop, { once: true });
    const answered = new Set<JsonRpcId>();
    let cursor = '0-0';
    try {
      for (;;) {
        if (signal.aborted) return { kind: 'aborted' };
        const read = await reader.xread('BLOCK', BLOCK_MS, 'STREAMS', this.eventsKey(streamId), cursor);
        if (read === null) {
          const meta = parseMeta(await reader.get(this.metaKey(streamId)));
          const alive = meta !== undefined && (await reader.exists(this.replicaKey(meta.owner))) === 1;
          if (!alive)
            return {
              kind: 'owner-gone',
              unanswered: (meta?.requests ?? []).filter((id) => !answered.has(id)),
            };
          continue;
        }
        for (const [, entries] of read) {
          for (const [id, fields] of entries) {
            cursor = id;
            const seq = Number(id.split('-')[1]);
            const raw = fields[fields.indexOf('m') + 1] ?? '';
            const message = raw === '' ? undefined : (JSON.parse(raw) as JsonRpcMessage);
            const answer = responseId(message);
            if (answer !== undefined) answered.add(answer);
            if (seq > afterSeq) onEvent(seq, message);
            if (fields[fields.indexOf('f') + 1] === '1') return { kind: 'finished' };
          }
        }
      }
    } catch (error) {
      if (signal.aborted) return { kind: 'aborted' };
      throw error;
    } finally {
      signal.removeEventListener('abort', stop);
      this.readers.delete(reader);
      reader.disconnect();
    }
  }

  dispose(): void {
    clearInterval(this.heartbeat);
    for (const reader of this.readers) reader.disconnect();
  }
}
