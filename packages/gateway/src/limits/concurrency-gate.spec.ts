import { describe, expect, it } from 'vitest';
import { MCPErrorCode, isMCPError } from '@mcpman/protocol';
import { ConcurrencyGate } from './concurrency-gate.js';

/** A task that finishes when told to. */
function controllable(): { task: () => Promise<string>; finish: () => void; started: Promise<void> } {
  let finish: () => void = () => undefined;
  let markStarted: () => void = () => undefined;
  const started = new Promise<void>((resolve) => {
    markStarted = resolve;
  });
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  return {
    task: async () => {
      markStarted();
      await done;
      return 'done';
    },
    finish,
    started,
  };
}

describe('ConcurrencyGate', () => {
  it('runs up to the limit, queues the next, and rejects beyond the queue at once', async () => {
    const gate = new ConcurrencyGate('server s', { limit: 2, queue: 1, maxWaitMs: 60_000 });
    const [a, b, c] = [controllable(), controllable(), controllable()];
    const runs = [gate.run(a.task), gate.run(b.task), gate.run(c.task)];
    await Promise.all([a.started, b.started]);
    expect(gate.running).toBe(2);
    expect(gate.waiting).toBe(1);
    const rejected = await gate.run(() => Promise.resolve('never')).catch((error: unknown) => error);
    expect(isMCPError(rejected) && rejected.code).toBe(MCPErrorCode.RateLimited);
    expect(isMCPError(rejected) && rejected.data).toMatchObject({ limit: 'concurrency' });
    expect(isMCPError(rejected) && (rejected.data?.['retryAfterMs'] as number)).toBeGreaterThan(0);
    a.finish();
    await c.started;
    expect(gate.running).toBe(2);
    expect(gate.waiting).toBe(0);
    b.finish();
    c.finish();
    expect(await Promise.all(runs)).toEqual(['done', 'done', 'done']);
    expect(gate.running).toBe(0);
  });

  it('rejects a waiter after maxWait and frees its place in the queue', async () => {
    const gate = new ConcurrencyGate('server s', { limit: 1, queue: 1, maxWaitMs: 50 });
    const blocker = controllable();
    const running = gate.run(blocker.task);
    await blocker.started;
    const waited = await gate.run(() => Promise.resolve('late')).catch((error: unknown) => error);
    expect(isMCPError(waited) && waited.message).toMatch(/no free slot within 50 ms/);
    expect(gate.waiting).toBe(0);
    // The queue place is free again: the next caller waits and runs once the slot frees.
    const next = gate.run(() => Promise.resolve('next'));
    blocker.finish();
    expect(await next).toBe('next');
    expect(await running).toBe('done');
  });

  it('releases the slot when a task fails', async () => {
    const gate = new ConcurrencyGate('server s', { limit: 1, queue: 0, maxWaitMs: 10 });
    await expect(gate.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await gate.run(() => Promise.resolve('ok'))).toBe('ok');
  });
});
