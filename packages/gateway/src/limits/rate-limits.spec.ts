import { describe, expect, it } from 'vitest';
import { GatewayConfigSchema } from '@mcpman/core';
import { MCPErrorCode, isMCPError } from '@mcpman/protocol';
import { RateLimits } from './rate-limits.js';

const limitsOf = (rateLimit: unknown): RateLimits =>
  new RateLimits(GatewayConfigSchema.parse({ rateLimit }).rateLimit);

describe('RateLimits (memory backend)', () => {
  it('lets a bucket of requests through, then rejects with retryAfterMs until the window ends', async () => {
    const limits = limitsOf({ perIdentity: { requests: 3, per: '10s' } });
    for (let i = 0; i < 3; i++) await limits.consume('identity', 'alice');
    const error = await limits.consume('identity', 'alice').catch((e: unknown) => e);
    expect(isMCPError(error) && error.code).toBe(MCPErrorCode.RateLimited);
    const retry = isMCPError(error) ? (error.data?.['retryAfterMs'] as number) : 0;
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThanOrEqual(10_000);
    // Buckets are per key: another identity is untouched.
    await limits.consume('identity', 'bob');
    limits.dispose();
  });

  it('keeps identity, server and tool buckets apart and reports each rejection', async () => {
    const limits = limitsOf({ perServer: { requests: 1, per: '1m' }, perTool: { requests: 2, per: '1m' } });
    const rejected: string[] = [];
    limits.onReject = (r) => rejected.push(`${r.kind}:${r.key}`);
    await limits.consume('identity', 'x'); // no identity limit configured: always passes
    await limits.consume('server', 'a');
    await expect(limits.consume('server', 'a')).rejects.toThrow('Rate limit exceeded for server a');
    await limits.consume('tool', 'a__echo');
    await limits.consume('tool', 'a__echo');
    await expect(limits.consume('tool', 'a__echo')).rejects.toThrow('Rate limit exceeded for tool a__echo');
    expect(rejected).toEqual(['server:a', 'tool:a__echo']);
    expect(limits.active).toBe(true);
    limits.dispose();
  });

  it('is inactive and free when nothing is configured', () => {
    const limits = limitsOf({});
    expect(limits.active).toBe(false);
    expect(limits.gate('a')).toBeUndefined();
    limits.dispose();
  });
});
