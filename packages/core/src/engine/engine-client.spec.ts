import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MCPError } from '@mcpman/protocol';
import { EngineClient } from './engine-client.js';

describe('EngineClient on a socket nobody listens on', () => {
  it('says the engine did not answer, and at which socket', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mcpman-engine-'));
    try {
      const socketPath = join(dir, 'podman.sock');
      const failure = await new EngineClient({ socketPath }).ping().then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(MCPError);
      expect((failure as MCPError).code).toBe('ENGINE_UNAVAILABLE');
      expect((failure as MCPError).message).toBe(
        `the Podman API at ${socketPath} did not answer (ping: ENOENT)`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
