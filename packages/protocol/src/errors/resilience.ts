import {
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  TimeoutStrategy,
  circuitBreaker,
  handleWhen,
  isBrokenCircuitError,
  isIsolatedCircuitError,
  isTaskCancelledError,
  retry,
  timeout,
  wrap,
} from 'cockatiel';
import type { CircuitBreakerPolicy, IPolicy } from 'cockatiel';
import { MCPErrorCode } from './codes.js';
import { MCPError, isMCPError } from './mcp-error.js';

/** Socket-level failures that usually clear up on their own (engine restarting, upstream restarting). */
const TRANSIENT_SYSTEM_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTCONN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** Is this failure worth another attempt? User mistakes and protocol errors are not. */
export function isTransientError(error: unknown): boolean {
  if (isMCPError(error)) return error.transient;
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const { code } = error;
    if (typeof code === 'string' && TRANSIENT_SYSTEM_CODES.has(code)) return true;
  }
  return false;
}

export interface RetryOptions {
  /** Attempts after the first one. */
  readonly maxRetries: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

export interface BreakerOptions {
  /** Consecutive failures that open the circuit. */
  readonly consecutiveFailures: number;
  /** How long the circuit stays open before one trial call is let through. */
  readonly halfOpenAfterMs: number;
}

export interface ResilienceOptions {
  /** Names the guarded dependency in error messages ("Podman API", "upstream everything"). */
  readonly name: string;
  /** Per attempt. */
  readonly timeoutMs: number;
  readonly retry?: RetryOptions | false;
  readonly breaker?: BreakerOptions | false;
  /** The code a timed-out attempt is reported with. */
  readonly timeoutCode?: MCPErrorCode;
  /** Decides which failures are retried and counted by the breaker; defaults to `isTransientError`. */
  readonly isTransient?: (error: unknown) => boolean;
}

export const DEFAULT_RETRY: RetryOptions = { maxRetries: 3, initialDelayMs: 100, maxDelayMs: 2_000 };
export const DEFAULT_BREAKER: BreakerOptions = { consecutiveFailures: 5, halfOpenAfterMs: 5_000 };

/**
 * Timeout per attempt, retries with exponential backoff and decorrelated jitter, and a circuit
 * breaker, composed from cockatiel. Every call to the engine and to upstream servers goes through
 * one of these, so a dead dependency fails fast instead of stacking up waiting callers.
 */
export class ResiliencePolicy {
  readonly name: string;
  private readonly policy: IPolicy;
  private readonly breaker: CircuitBreakerPolicy | undefined;
  private readonly timeoutCode: MCPErrorCode;
  private readonly timeoutMs: number;

  constructor(options: ResilienceOptions) {
    this.name = options.name;
    this.timeoutCode = options.timeoutCode ?? MCPErrorCode.Timeout;
    this.timeoutMs = options.timeoutMs;
    const transient = options.isTransient ?? isTransientError;
    // Timeouts of a single attempt are transient too: the next attempt may well succeed.
    const handled = handleWhen((error) => transient(error) || isTaskCancelledError(error));
    const layers: IPolicy[] = [];
    const retryOptions = options.retry === undefined ? DEFAULT_RETRY : options.retry;
    if (retryOptions !== false && retryOptions.maxRetries > 0) {
      layers.push(
        retry(handled, {
          maxAttempts: retryOptions.maxRetries,
          backoff: new ExponentialBackoff({
            initialDelay: retryOptions.initialDelayMs,
            maxDelay: retryOptions.maxDelayMs,
          }),
        }),
      );
    }
    const breakerOptions = options.breaker === undefined ? DEFAULT_BREAKER : options.breaker;
    if (breakerOptions !== false) {
      this.breaker = circuitBreaker(handled, {
        halfOpenAfter: breakerOptions.halfOpenAfterMs,
        breaker: new ConsecutiveBreaker(breakerOptions.consecutiveFailures),
      });
      layers.push(this.breaker);
    }
    layers.push(timeout(options.timeoutMs, TimeoutStrategy.Aggressive));
    const [first, ...rest] = layers;
    this.policy = rest.length === 0 && first !== undefined ? first : wrap(...layers);
  }

  /** The circuit state, for health displays and metrics. */
  get circuitOpen(): boolean {
    const state = this.breaker?.state;
    return state === CircuitState.Open || state === CircuitState.Isolated;
  }

  /**
   * Run `fn` under the policy. `fn` gets an AbortSignal that fires on timeout or when `signal`
   * fires; it should pass it on to whatever I/O it starts.
   */
  async execute<T>(fn: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    // An attempt whose signal aborts rejects with whatever `fn` throws on abort, which can win the
    // race against cockatiel's own timeout error: remember that the timeout fired.
    let lastAttemptTimedOut = false;
    try {
      return await this.policy.execute(({ signal: inner }) => {
        lastAttemptTimedOut = false;
        // cockatiel also aborts the signal as clean-up once an attempt is over; only an abort
        // before the attempt settled is the timeout.
        let settled = false;
        inner.addEventListener('abort', () => {
          if (!settled && signal?.aborted !== true) lastAttemptTimedOut = true;
        });
        return fn(inner).finally(() => {
          settled = true;
        });
        // Without a signal of its own each call would hang its listeners on one shared
        // never-aborted signal: many engine calls at once would trip Node's leak warning.
      }, signal ?? new AbortController().signal);
    } catch (error) {
      throw this.translate(error, signal, lastAttemptTimedOut);
    }
  }

  private translate(error: unknown, signal: AbortSignal | undefined, timedOut: boolean): unknown {
    if (signal?.aborted === true) {
      return new MCPError(MCPErrorCode.Cancelled, `${this.name}: call cancelled`, { cause: error });
    }
    if (isTaskCancelledError(error) || timedOut) {
      return new MCPError(this.timeoutCode, `${this.name} did not answer within ${this.timeoutMs} ms`, {
        cause: error,
        hint: `Check that ${this.name} is running and responsive.`,
      });
    }
    if (isBrokenCircuitError(error) || isIsolatedCircuitError(error)) {
      return new MCPError(MCPErrorCode.CircuitOpen, `${this.name} is failing; calls are paused briefly`, {
        cause: error,
        hint: `Recent calls to ${this.name} kept failing; it will be tried again shortly.`,
      });
    }
    return error;
  }
}
