import { MCPError, MCPErrorCode } from '@mcpman/protocol';

export interface ConcurrencyGateOptions {
  /** Calls running at once. */
  readonly limit: number;
  /** Calls that may wait for a slot; more are rejected at once. */
  readonly queue: number;
  /** Longest wait for a slot before the call is rejected. */
  readonly maxWaitMs: number;
}

interface Waiter {
  readonly grant: () => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * A concurrency cap that throttles before it rejects: up to `limit` calls run, up to `queue`
 * more wait in order, and a waiter that has not got a slot within `maxWaitMs` is rejected with
 * RATE_LIMITED. (cockatiel's bulkhead keeps a timed-out waiter queued until its turn, so a queue
 * full of abandoned calls would still turn new ones away; this gate removes them at once.)
 */
export class ConcurrencyGate {
  private active = 0;
  private readonly waiters: Waiter[] = [];

  constructor(
    private readonly what: string,
    private readonly options: ConcurrencyGateOptions,
  ) {}

  get running(): number {
    return this.active;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.active < this.options.limit) {
      this.active += 1;
      return Promise.resolve();
    }
    if (this.waiters.length >= this.options.queue) {
      return Promise.reject(
        this.rejection(`${this.what} has ${this.active} calls running and ${this.waiters.length} waiting`),
      );
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        grant: () => {
          clearTimeout(waiter.timer);
          resolve();
        },
        timer: setTimeout(() => {
          const index = this.waiters.indexOf(waiter);
          if (index >= 0) this.waiters.splice(index, 1);
          reject(this.rejection(`${this.what} had no free slot within ${this.options.maxWaitMs} ms`));
        }, this.options.maxWaitMs),
      };
      this.waiters.push(waiter);
    });
  }

  private release(): void {
    const next = this.waiters.shift();
    // The slot passes straight to the next waiter, so `active` stays as it is.
    if (next !== undefined) next.grant();
    else this.active -= 1;
  }

  private rejection(message: string): MCPError {
    const retryAfterMs = Math.max(100, Math.min(this.options.maxWaitMs, 1_000));
    return new MCPError(MCPErrorCode.RateLimited, `Too many concurrent calls: ${message}`, {
      hint: 'Retry after a moment, or raise gateway.rateLimit.concurrency.',
      data: { retryAfterMs, limit: 'concurrency' },
    });
  }
}
