import { describe, expect, it } from 'vitest';
import { RestartSchema } from '../config/schema.js';
import { MCPError, MCPErrorCode } from '@mcpman/protocol';
import { RestartPolicy } from './restart-policy.js';

const closed = new MCPError(MCPErrorCode.UpstreamClosed, 'server exited with code 1');

function policy(input: Record<string, unknown>): RestartPolicy {
  return new RestartPolicy(RestartSchema.parse(input));
}

describe('RestartPolicy', () => {
  it('restarts with capped delays and gives up after maxRetries', () => {
    const restarts = policy({ maxRetries: 4, initialDelay: 100, maxDelay: 400 });
    const delays: number[] = [];
    for (let i = 1; i <= 4; i++) {
      const decision = restarts.afterFailure(closed, true);
      if (decision.kind !== 'restart') throw new Error(`attempt ${i}: ${decision.kind}`);
      expect(decision.attempt).toBe(i);
      expect(decision.reason).toBe(`server exited with code 1; restart ${i} of 4 in ${decision.delayMs} ms`);
      delays.push(decision.delayMs);
    }
    // Jittered (cockatiel's decorrelated jitter), so only the bounds are fixed.
    expect(delays.every((delay) => delay >= 0 && delay <= 400)).toBe(true);
    expect(restarts.afterFailure(closed, true)).toEqual({
      kind: 'give-up',
      reason: 'server exited with code 1 (gave up after 4 restarts)',
    });
  });

  it('starts the count over after reset (a server that stayed up, a user restart)', () => {
    const restarts = policy({ maxRetries: 1 });
    expect(restarts.afterFailure(closed, true).kind).toBe('restart');
    expect(restarts.afterFailure(closed, true).kind).toBe('give-up');
    restarts.reset();
    const again = restarts.afterFailure(closed, true);
    expect(again.kind === 'restart' && again.attempt).toBe(1);
  });

  it('gives up at once on failures before start that waiting will not fix', () => {
    const restarts = policy({});
    const missing = new MCPError(MCPErrorCode.SecretNotFound, 'secret github not stored');
    expect(restarts.afterFailure(missing, false)).toEqual({
      kind: 'give-up',
      reason: 'secret github not stored',
    });
    const internal = new MCPError(MCPErrorCode.Internal, 'bug');
    expect(restarts.afterFailure(internal, false).kind).toBe('give-up');
    // The same failure once the container ran is the server's: restarted.
    expect(restarts.afterFailure(internal, true).kind).toBe('restart');
    // A transient one before start (an engine hiccup) is retried.
    const engine = new MCPError(MCPErrorCode.EngineUnavailable, 'engine restarting');
    expect(restarts.afterFailure(engine, false).kind).toBe('restart');
  });

  it('never restarts with policy no, and says whether clean exits stay stopped', () => {
    expect(policy({ policy: 'no' }).afterFailure(closed, true).kind).toBe('give-up');
    expect(policy({ policy: 'no' }).leavesCleanExitStopped).toBe(false);
    expect(policy({ policy: 'on-failure' }).leavesCleanExitStopped).toBe(true);
    expect(policy({ policy: 'always' }).leavesCleanExitStopped).toBe(false);
  });
});
