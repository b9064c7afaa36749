import { describe, expect, it } from 'vitest';
import { EngineClient } from './engine-client.js';

describe('an engine socket nobody answers on', () => {
  const engine = new EngineClient({ socketPath: '/nonexistent/mcpman-test/podman.sock' });

  it('is ENGINE_UNAVAILABLE with a hint, over dockerode and over the libpod endpoints alike', async () => {
    for (const request of [
      () => engine.ping(),
      () => engine.listSecrets(),
      () => engine.attachContainer('x'),
    ]) {
      await expect(request()).rejects.toMatchObject({
        code: 'ENGINE_UNAVAILABLE',
        message: expect.stringMatching(/did not answer .*ENOENT/) as unknown,
        hint: expect.stringMatching(/Start Podman/) as unknown,
      });
    }
  });
});
