import { ExponentialBackoff } from 'cockatiel';
import type { IBackoff } from 'cockatiel';
import type { MCPServerConfig } from '../config/schema.js';
import { MCPErrorCode } from '@mcpman/protocol';
import type { MCPError } from '@mcpman/protocol';

/** A ready server's attempt counter resets once it has stayed up this long. */
export const STABLE_AFTER_MS = 30_000;

/** Failures before the container ran that waiting will not fix: no point restarting. */
const PERMANENT_BEFORE_START = new Set<MCPErrorCode>([
  MCPErrorCode.SecretNotFound,
  MCPErrorCode.ImageNotFound,
  MCPErrorCode.ImageBuildFailed,
  MCPErrorCode.ContainerCreateFailed,
  MCPErrorCode.ConfigInvalid,
]);

export type RestartDecision =
  | { readonly kind: 'give-up'; readonly reason: string }
  | { readonly kind: 'restart'; readonly delayMs: number; readonly attempt: number; readonly reason: string };

/**
 * The restart policy of one server: after a failure, restart with exponential backoff (with
 * jitter) or give up, at once for failures that waiting will not fix, after `maxRetries` for
 * the rest. The count starts over once the server has been up for STABLE_AFTER_MS.
 */
export class RestartPolicy {
  private failedAttempts = 0;
  private backoff: IBackoff<unknown> | undefined;

  constructor(private readonly restart: MCPServerConfig['restart']) {}

  /** A fresh retry budget: a user's start or restart, or a server that stayed up. */
  reset(): void {
    this.failedAttempts = 0;
    this.backoff = undefined;
  }

  /** Whether a container that exited cleanly stays stopped rather than being restarted. */
  get leavesCleanExitStopped(): boolean {
    return this.restart.policy === 'on-failure';
  }

  afterFailure(error: MCPError, containerStarted: boolean): RestartDecision {
    const restart = this.restart;
    const reason = error.message;
    if (
      restart.policy === 'no' ||
      (!containerStarted && (PERMANENT_BEFORE_START.has(error.code) || !error.transient))
    )
      return { kind: 'give-up', reason };
    if (this.failedAttempts >= restart.maxRetries) {
      const plural = restart.maxRetries === 1 ? '' : 's';
      return { kind: 'give-up', reason: `${reason} (gave up after ${restart.maxRetries} restart${plural})` };
    }
    this.failedAttempts += 1;
    this.backoff ??= new ExponentialBackoff({
      initialDelay: restart.initialDelay,
      maxDelay: restart.maxDelay,
    }).next();
    const delayMs = Math.round(this.backoff.duration);
    this.backoff = this.backoff.next(undefined);
    return {
      kind: 'restart',
      delayMs,
      attempt: this.failedAttempts,
      reason: `${reason}; restart ${this.failedAttempts} of ${restart.maxRetries} in ${delayMs} ms`,
    };
  }
}
