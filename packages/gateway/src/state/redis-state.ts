import { Redis } from 'ioredis';
import { MCPError, MCPErrorCode, ResiliencePolicy } from '@mcpman/protocol';
import type { StateConfig } from '@mcpman/core';
import type { Disposable } from '@mcpman/protocol';

/** A command Redis does not answer within this fails, so nothing waits on a stalled Redis. */
const COMMAND_TIMEOUT_MS = 1_000;
/** Longest pause between reconnects while Redis is away; service resumes within it once back. */
const MAX_RECONNECT_DELAY_MS = 500;

/**
 * The connection to the Redis a gateway cluster shares (`gateway.state: {backend: redis}`).
 * Commands are not queued while it is down and time out after a second: a request that needs
 * shared state then fails at once with STATE_UNAVAILABLE instead of hanging, requests that do
 * not need it go on, and ioredis reconnects in the background.
 */
export class RedisState implements Disposable {
  readonly redis: Redis;
  readonly prefix: string;
  private readonly where: string;
  private everReady = false;
  /**
   * One timeout for every command, and a breaker: after a failure, commands fail at once for
   * half a second before one is tried again, so a request that needs Redis several times is not
   * held a second for each while Redis is away.
   */
  private readonly policy: ResiliencePolicy;

  constructor(config: StateConfig & { redisUrl: string }) {
    this.prefix = config.keyPrefix;
    const url = new URL(config.redisUrl);
    this.where = `${url.hostname}:${url.port === '' ? '6379' : url.port}`;
    this.redis = new Redis(config.redisUrl, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: COMMAND_TIMEOUT_MS,
      connectTimeout: COMMAND_TIMEOUT_MS,
      retryStrategy: (times) => Math.min(50 * times, MAX_RECONNECT_DELAY_MS),
    });
    // Connection errors show as failed commands; ioredis keeps reconnecting meanwhile.
    this.redis.on('error', () => undefined);
    this.policy = new ResiliencePolicy({
      name: `Redis at ${this.where}`,
      timeoutMs: COMMAND_TIMEOUT_MS,
      retry: false,
      breaker: { consecutiveFailures: 1, halfOpenAfterMs: 500 },
      isTransient: () => true,
    });
    this.redis.once('ready', () => {
      this.everReady = true;
    });
  }

  private firstConnection(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, COMMAND_TIMEOUT_MS);
      this.redis.once('ready', done);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
    });
  }

  key(...parts: string[]): string {
    return `${this.prefix}${parts.join(':')}`;
  }

  /** Run `command`; any Redis failure becomes STATE_UNAVAILABLE, saying what needed it. */
  async run<T>(what: string, command: (redis: Redis) => Promise<T>): Promise<T> {
    try {
      // Commands are not queued: the first ones of a new connection wait for it (at most the
      // command timeout), later ones fail at once while Redis is away.
      if (!this.everReady) await this.firstConnection();
      return await this.policy.execute(() => command(this.redis));
    } catch (error) {
      throw new MCPError(
        MCPErrorCode.StateUnavailable,
        `${what} needs the cluster's shared state, and Redis at ${this.where} did not answer`,
        {
          cause: error,
          hint: 'Requests that need no shared state go on; service resumes once Redis is back.',
        },
      );
    }
  }

  /** Resolves once Redis answers (start-up), or rejects after `timeoutMs`. */
  async ready(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        await this.redis.ping();
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  dispose(): void {
    this.redis.disconnect();
  }
}
