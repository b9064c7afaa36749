import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { MCPError, MCPErrorCode } from '@mcpman/protocol';
import type { GatewayConfig } from '@mcpman/core';
import type { Disposable } from '@mcpman/protocol';
import { ConcurrencyGate } from './concurrency-gate.js';

type RateLimitConfig = GatewayConfig['rateLimit'];
type Rate = NonNullable<RateLimitConfig['perIdentity']>;
export type LimitKind = 'identity' | 'server' | 'tool';

/** Prefix of every Redis key, so gateways on one Redis share buckets and nothing else. */
const KEY_PREFIX = 'mcpman:rl';

export interface RateLimitRejection {
  readonly kind: LimitKind;
  readonly key: string;
}

/**
 * Request buckets per identity, per server and per tool (rate-limiter-flexible: each bucket
 * holds `requests` points and refills at the end of its `per` window), in memory or in Redis so
 * several gateways enforce one limit together; and a concurrency gate per server. When Redis is
 * unreachable each gateway falls back to its own in-memory bucket rather than failing calls.
 */
export class RateLimits implements Disposable {
  private readonly limiters: Partial<Record<LimitKind, RateLimiterAbstract>> = {};
  private readonly gates = new Map<string, ConcurrencyGate>();
  private readonly redis: Redis | undefined;
  /** Called for every rejection (metrics). */
  onReject: ((rejection: RateLimitRejection) => void) | undefined;

  constructor(
    private readonly config: RateLimitConfig,
    /** Where the buckets live (see rateLimitBackend: rateLimit's own, else gateway.state). */
    private readonly store: { backend: 'memory' | 'redis'; redisUrl?: string } = {
      backend: config.backend ?? 'memory',
      ...(config.redisUrl === undefined ? {} : { redisUrl: config.redisUrl }),
    },
  ) {
    if (store.backend === 'redis' && store.redisUrl !== undefined && this.anyRate()) {
      this.redis = new Redis(store.redisUrl, {
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        connectTimeout: 2_000,
        // A Redis that hangs rather than refuses must not hold calls: after a second the
        // insurance limiter (this process's buckets) answers instead.
        commandTimeout: 1_000,
        lazyConnect: false,
      });
      // Connection errors are retried by ioredis; the insurance limiter covers the gap.
      this.redis.on('error', () => undefined);
    }
    for (const kind of ['identity', 'server', 'tool'] as const) {
      const rate = this.rateOf(kind);
      if (rate !== undefined) this.limiters[kind] = this.limiter(kind, rate);
    }
  }

  /** Resolves once the Redis backend answers (tests and start-up checks); no-op in memory. */
  async ready(): Promise<void> {
    if (this.redis === undefined) return;
    if (this.redis.status !== 'ready') {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(
            new MCPError(MCPErrorCode.ConfigInvalid, `cannot reach Redis at ${this.store.redisUrl ?? ''}`),
          );
        }, 5_000);
        this.redis?.once('ready', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  get active(): boolean {
    return this.anyRate() || this.config.concurrency !== undefined;
  }

  /** Take one point from the bucket of `kind`/`key`; throws RATE_LIMITED when it is empty. */
  async consume(kind: LimitKind, key: string): Promise<void> {
    const limiter = this.limiters[kind];
    if (limiter === undefined) return;
    try {
      await limiter.consume(key, 1);
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      this.onReject?.({ kind, key });
      const rate = this.rateOf(kind);
      throw new MCPError(MCPErrorCode.RateLimited, `Rate limit exceeded for ${kind} ${key}`, {
        hint: `At most ${rate?.requests ?? 0} requests per ${Math.round((rate?.per ?? 0) / 1000)} s; retry later.`,
        data: { retryAfterMs: Math.max(1, Math.ceil(error.msBeforeNext)), limit: kind },
      });
    }
  }

  /** The concurrency gate of `server`, or undefined when no cap is configured. */
  gate(server: string): ConcurrencyGate | undefined {
    const cap = this.config.concurrency;
    if (cap === undefined) return undefined;
    let gate = this.gates.get(server);
    if (gate === undefined) {
      gate = new ConcurrencyGate(`server ${server}`, {
        limit: cap.perServer,
        queue: cap.queue,
        maxWaitMs: cap.maxWait,
      });
      this.gates.set(server, gate);
    }
    return gate;
  }

  dispose(): void {
    this.redis?.disconnect();
  }

  private anyRate(): boolean {
    return (
      this.config.perIdentity !== undefined ||
      this.config.perServer !== undefined ||
      this.config.perTool !== undefined
    );
  }

  private rateOf(kind: LimitKind): Rate | undefined {
    return kind === 'identity'
      ? this.config.perIdentity
      : kind === 'server'
        ? this.config.perServer
        : this.config.perTool;
  }

  private limiter(kind: LimitKind, rate: Rate): RateLimiterAbstract {
    const options = {
      keyPrefix: `${KEY_PREFIX}:${kind}`,
      points: rate.requests,
      // Whole seconds: Redis expiries are set in seconds.
      duration: Math.max(1, Math.ceil(rate.per / 1000)),
    };
    const memory = new RateLimiterMemory(options);
    if (this.redis === undefined) return memory;
    return new RateLimiterRedis({
      ...options,
      storeClient: this.redis,
      rejectIfRedisNotReady: true,
      insuranceLimiter: memory,
    });
  }
}
