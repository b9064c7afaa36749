import type { Redis } from 'ioredis';
import { toDisposable } from '@mcpman/protocol';
import type { Disposable } from '@mcpman/protocol';
import { parseSharedRecord } from '../pipeline/shared-sessions.js';
import type { SharedSessionRecord, SharedSessions } from '../pipeline/shared-sessions.js';
import type { RedisState } from './redis-state.js';

/**
 * Session-era sessions in the cluster's Redis: one key per session (`<prefix>session:<id>`,
 * the record as JSON), expiring after the idle timeout unless a replica using it refreshes it.
 */
export class RedisSharedSessions implements SharedSessions {
  /** A second connection: one that subscribes can send nothing else. */
  private subscriber: Redis | undefined;
  private readonly listeners = new Set<(id: string) => void>();

  constructor(
    private readonly state: RedisState,
    private readonly ttlMs: number,
  ) {}

  private get channel(): string {
    return this.state.key('session-ended');
  }

  private key(id: string): string {
    return this.state.key('session', id);
  }

  async save(record: SharedSessionRecord): Promise<void> {
    await this.state.run('opening a session', (redis) =>
      redis.set(this.key(record.id), JSON.stringify(record), 'PX', this.ttlMs),
    );
  }

  async load(id: string): Promise<SharedSessionRecord | undefined> {
    const value = await this.state.run('finding the session', (redis) => redis.get(this.key(id)));
    if (value === null) return undefined;
    try {
      return parseSharedRecord(JSON.parse(value));
    } catch {
      return undefined;
    }
  }

  async touch(id: string): Promise<void> {
    await this.state.run('keeping a session', (redis) => redis.pexpire(this.key(id), this.ttlMs));
  }

  async remove(id: string): Promise<void> {
    await this.state.run('ending a session', (redis) =>
      redis.multi().del(this.key(id)).publish(this.channel, id).exec(),
    );
  }

  onEnded(listener: (id: string) => void): Disposable {
    this.listeners.add(listener);
    if (this.subscriber === undefined) {
      const subscriber = this.state.redis.duplicate({ enableOfflineQueue: true });
      subscriber.on('error', () => undefined);
      subscriber.on('message', (_channel: string, id: string) => {
        for (const each of this.listeners) each(id);
      });
      // ioredis subscribes again by itself after a reconnect.
      subscriber.subscribe(this.channel).catch(() => undefined);
      this.subscriber = subscriber;
    }
    return toDisposable(() => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) {
        this.subscriber?.disconnect();
        this.subscriber = undefined;
      }
    });
  }
}
