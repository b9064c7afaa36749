import { describe, expect, it } from 'vitest';
import { MCPErrorCode } from './codes.js';
import { MCPError } from './mcp-error.js';
import { ResiliencePolicy, isTransientError } from './resilience.js';

const fastRetry = { maxRetries: 3, initialDelayMs: 1, maxDelayMs: 5 };

function flaky(failures: number, error: () => Error): { fn: () => Promise<string>; calls: () => number } {
  let calls = 0;
  return {
    fn: () => {
      calls += 1;
      return calls <= failures ? Promise.reject(error()) : Promise.resolve('ok');
    },
    calls: () => calls,
  };
}

describe('isTransientError', () => {
  it('treats refused and reset sockets and transient MCP errors as transient', () => {
    expect(isTransientError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isTransientError(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isTransientError(new MCPError(MCPErrorCode.EngineUnavailable, 'down'))).toBe(true);
  });
  it('does not retry user mistakes or unknown errors', () => {
    expect(isTransientError(new MCPError(MCPErrorCode.ConfigInvalid, 'bad'))).toBe(false);
    expect(isTransientError(Object.assign(new Error('x'), { code: 'EACCES' }))).toBe(false);
    expect(isTransientError(new Error('plain'))).toBe(false);
  });
});

describe('ResiliencePolicy', () => {
  it('retries transient failures with backoff until one succeeds', async () => {
    const policy = new ResiliencePolicy({
      name: 'engine',
      timeoutMs: 1000,
      retry: fastRetry,
      breaker: false,
    });
    const call = flaky(2, () => new MCPError(MCPErrorCode.EngineUnavailable, 'down'));
    await expect(policy.execute(call.fn)).resolves.toBe('ok');
    expect(call.calls()).toBe(3);
  });

  it('gives up after maxRetries and reports the last failure', async () => {
    const policy = new ResiliencePolicy({
      name: 'engine',
      timeoutMs: 1000,
      retry: fastRetry,
      breaker: false,
    });
    const call = flaky(10, () => new MCPError(MCPErrorCode.EngineUnavailable, 'still down'));
    await expect(policy.execute(call.fn)).rejects.toMatchObject({ code: MCPErrorCode.EngineUnavailable });
    expect(call.calls()).toBe(4);
  });

  it('does not retry a failure that is not transient', async () => {
    const policy = new ResiliencePolicy({
      name: 'engine',
      timeoutMs: 1000,
      retry: fastRetry,
      breaker: false,
    });
    const call = flaky(1, () => new MCPError(MCPErrorCode.ImageNotFound, 'no such image'));
    await expect(policy.execute(call.fn)).rejects.toMatchObject({ code: MCPErrorCode.ImageNotFound });
    expect(call.calls()).toBe(1);
  });

  it('times out an attempt that never settles, aborting its signal', async () => {
    const policy = new ResiliencePolicy({
      name: 'upstream everything',
      timeoutMs: 20,
      retry: false,
      breaker: false,
      timeoutCode: MCPErrorCode.UpstreamTimeout,
    });
    let aborted = false;
    const never = (signal: AbortSignal): Promise<string> =>
      new Promise((_resolve, reject) => {
        signal.addEventListener('abort', () => {
          aborted = true;
          reject(new Error('aborted'));
        });
      });
    const error = await policy.execute(never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MCPError);
    expect((error as MCPError).code).toBe(MCPErrorCode.UpstreamTimeout);
    expect((error as MCPError).message).toContain('upstream everything did not answer within 20 ms');
    expect(aborted).toBe(true);
  });

  it('opens the circuit after consecutive failures and fails fast while open', async () => {
    const policy = new ResiliencePolicy({
      name: 'engine',
      timeoutMs: 1000,
      retry: false,
      breaker: { consecutiveFailures: 3, halfOpenAfterMs: 60_000 },
    });
    const call = flaky(100, () => new MCPError(MCPErrorCode.EngineUnavailable, 'down'));
    for (let i = 0; i < 3; i += 1) {
      await expect(policy.execute(call.fn)).rejects.toMatchObject({ code: MCPErrorCode.EngineUnavailable });
    }
    expect(policy.circuitOpen).toBe(true);
    await expect(policy.execute(call.fn)).rejects.toMatchObject({ code: MCPErrorCode.CircuitOpen });
    expect(call.calls()).toBe(3);
  });

  it('closes the circuit again after a successful trial call', async () => {
    const policy = new ResiliencePolicy({
      name: 'engine',
      timeoutMs: 1000,
      retry: false,
      breaker: { consecutiveFailures: 1, halfOpenAfterMs: 10 },
    });
    await expect(
      policy.execute(() => Promise.reject(new MCPError(MCPErrorCode.EngineUnavailable, 'down'))),
    ).rejects.toBeInstanceOf(MCPError);
    expect(policy.circuitOpen).toBe(true);
    await expect.poll(() => policy.execute(() => Promise.resolve('up')).catch(() => 'open')).toBe('up');
    expect(policy.circuitOpen).toBe(false);
  });

  it('reports a caller cancellation as cancelled, not as a timeout', async () => {
    const policy = new ResiliencePolicy({ name: 'engine', timeoutMs: 10_000, retry: false, breaker: false });
    const controller = new AbortController();
    const pending = policy.execute(
      (signal) =>
        new Promise<string>((_resolve, reject) => {
          signal.addEventListener('abort', () => {
            reject(new Error('aborted'));
          });
        }),
      controller.signal,
    );
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: MCPErrorCode.Cancelled });
  });
});
