import { describe, expect, it } from 'vitest';
import { MCPErrorCode } from '@mcpman/protocol';
import { discoverEngineSocket, socketCandidates } from './socket.js';

describe('socketCandidates', () => {
  it('tries the explicit hosts first, then rootless, then rootful, for a user', () => {
    const candidates = socketCandidates(
      { CONTAINER_HOST: 'unix:///c.sock', DOCKER_HOST: 'tcp://x:1', XDG_RUNTIME_DIR: '/run/user/1000' },
      1000,
    );
    expect(candidates).toEqual([
      { path: '/c.sock', source: 'CONTAINER_HOST' },
      { path: '/run/user/1000/podman/podman.sock', source: 'rootless' },
      { path: '/run/podman/podman.sock', source: 'rootful' },
    ]);
  });
  it('prefers the rootful socket for root', () => {
    expect(socketCandidates({}, 0).map((c) => c.source)).toEqual(['rootful', 'rootless']);
  });
});

describe('discoverEngineSocket', () => {
  it('returns the first socket that answers', async () => {
    const found = await discoverEngineSocket({ DOCKER_HOST: 'unix:///d.sock' }, (path) =>
      Promise.resolve(path === '/run/podman/podman.sock'),
    );
    expect(found.path).toBe('/run/podman/podman.sock');
  });
  it('says which sockets it tried and how to start one', async () => {
    const error = await discoverEngineSocket({ CONTAINER_HOST: 'unix:///c.sock' }, () =>
      Promise.resolve(false),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: MCPErrorCode.EngineUnavailable,
      message: expect.stringContaining('/c.sock [CONTAINER_HOST]') as unknown,
    });
    expect((error as { hint: string }).hint).toContain('podman system service');
  });
});
