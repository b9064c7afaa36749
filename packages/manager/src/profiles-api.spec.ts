import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventBus, GatewayConfigSchema } from '@mcpman/core';
import { GatewayServer } from '@mcpman/gateway';
import { InProcessDirectory } from '@mcpman/gateway/testing';
import type { ProfileInfo } from '@mcpman/shared';
import type { ManagementBackend } from './api/management-api.js';
import { ControlPlane } from './control-plane.js';

/* `GET /api/v1/profiles`: what `mcpman ls` shows of the profiles, counted as their endpoints list. */

describe('the management API on profiles', () => {
  let directory: InProcessDirectory;
  let server: GatewayServer;
  let control: ControlPlane;
  let base: URL;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mcpman-profiles-api-'));
    directory = new InProcessDirectory();
    for (const name of ['alpha', 'beta']) await directory.add(name);
    directory.setProfiles({
      small: {
        description: 'one tool of alpha, all of beta',
        servers: {
          alpha: { tools: { allow: ['echo'], deny: [] } },
          beta: { tools: { allow: ['*'], deny: [] } },
        },
      },
      none: { servers: {} },
    });
    server = new GatewayServer({
      config: GatewayConfigSchema.parse({ listen: '127.0.0.1:0', grpc: { enabled: false } }),
      directory,
      serverInfo: { name: 'mcpman', version: 'test' },
      stateDir: dir,
    });
    const backend: ManagementBackend = {
      bus: new EventBus(),
      info: () => ({
        version: 't',
        pid: 1,
        configPath: join(dir, 'mcpman.yaml'),
        startedAt: 0,
        engineSocket: '',
      }),
      servers: () => [],
      applied: () => true,
      server: () => undefined,
      restart: () => Promise.resolve(),
      reload: () => Promise.resolve(),
      shutdown: () => undefined,
    };
    control = new ControlPlane(server, { management: backend });
    await control.start();
    base = await server.start();
  });

  afterAll(async () => {
    await server.close();
    await control.close();
    directory.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  const profiles = async (): Promise<ProfileInfo[]> =>
    ((await (await fetch(new URL('/api/v1/profiles', base))).json()) as { profiles: ProfileInfo[] }).profiles;

  it('lists each profile with its servers and the tools its endpoint shows', async () => {
    expect(await profiles()).toEqual([
      {
        name: 'small',
        description: 'one tool of alpha, all of beta',
        servers: ['alpha', 'beta'],
        tools: 5,
        unavailable: [],
      },
      { name: 'none', servers: [], tools: 0, unavailable: [] },
    ]);
  });

  it('says which servers could not be counted while they are not ready', async () => {
    directory.setState('beta', 'failed');
    try {
      const [small] = await profiles();
      expect(small).toMatchObject({ tools: 1, unavailable: ['beta'] });
    } finally {
      directory.setState('beta', 'ready');
    }
  });
});
