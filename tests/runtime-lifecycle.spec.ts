import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cliEnv,
  daemonLog,
  daemonRecord,
  mcpman,
  processAlive,
  statusJson,
  stopManager,
} from './helpers/cli.js';
import { containerName, ownerForConfig } from '@mcpman/core';
import { inspect, labelledObjects, podman, serverContainers, sweep } from './helpers/podman.js';
import { EVERYTHING, Workspace } from './helpers/workspace.js';

/**
 * The control plane against the real engine, driven the way a user does: `mcpman up` from a
 * config, `podman inspect`/`podman kill` to look and break, `mcpman down` to clean up.
 */
describe('mcpman up: from a config to hardened, healthy, labelled containers and back', () => {
  const env = cliEnv();
  let workspace: Workspace;
  let config: string;
  /** The container of `server`: named after the config file's owner id. */
  const own = (server: string): string => containerName(ownerForConfig(config).id, server);

  const configText = (betaMemory: string): string => `version: 1
gateway: { listen: 127.0.0.1:0, grpc: { listen: 127.0.0.1:0 } }
servers:
  alpha:
    source: ${EVERYTHING}
    args: [stdio]
    resourceLimits: { memory: 256Mi, cpus: 0.5, pids: 128 }
    labels: { team: examples }
    health: { interval: 1s, timeout: 2s }
    restart: { initialDelay: 100ms }
  beta:
    source: ${EVERYTHING}
    args: [stdio]
    resourceLimits: { memory: ${betaMemory} }
`;

  const waitForState = async (
    server: string,
    predicate: (s: { state: string; restarts: number }) => boolean,
  ): Promise<void> => {
    await expect
      .poll(async () => (await statusJson(env)).servers.find((s) => s.name === server), {
        timeout: 60_000,
        interval: 250,
      })
      .toSatisfy((s: { state: string; restarts: number } | undefined) => s !== undefined && predicate(s));
  };

  beforeAll(async () => {
    await sweep();
    workspace = await Workspace.create();
    config = await workspace.write('mcpman.yaml', configText('300Mi'));
  });

  afterAll(async () => {
    await stopManager(env);
    await sweep();
    await workspace.dispose();
  });

  it('brings both servers from nothing to ready with one command', async () => {
    const result = await mcpman(env, ['up', '--detach', '-f', config]);
    expect(result.stderr).toBe('');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('2/2 servers ready');
    expect(result.stdout).toMatch(/alpha\s+ready\s+ready \(2025-11-25, mcp-servers\/everything 2\.0\.0\)/);
    const status = await statusJson(env);
    expect(status.servers.map((s) => [s.name, s.state])).toEqual([
      ['alpha', 'ready'],
      ['beta', 'ready'],
    ]);
  });

  it('shows in podman inspect the labels, limits, cap-drop, read-only root, user and network asked for', async () => {
    const { parsed } = await inspect(own('alpha'));
    expect(parsed.Config.Labels).toMatchObject({
      'io.mcpman.managed': 'true',
      'io.mcpman.server': 'alpha',
      'io.mcpman.transport': 'stdio',
      team: 'examples',
    });
    expect(parsed.Config.Labels['io.mcpman.config-hash']).toMatch(/^[0-9a-f]{64}$/);
    expect(parsed.HostConfig.Memory).toBe(256 * 1024 * 1024);
    expect(parsed.HostConfig.CpuQuota / parsed.HostConfig.CpuPeriod).toBe(0.5);
    expect(parsed.HostConfig.PidsLimit).toBe(128);
    expect(parsed.HostConfig.ReadonlyRootfs).toBe(true);
    expect(parsed.HostConfig.SecurityOpt).toContain('no-new-privileges');
    // cap-drop ALL: every default capability dropped, none added, none left.
    expect(parsed.HostConfig.CapDrop).toEqual(
      expect.arrayContaining([
        'CAP_CHOWN',
        'CAP_DAC_OVERRIDE',
        'CAP_NET_RAW',
        'CAP_SETUID',
        'CAP_SYS_CHROOT',
      ]),
    );
    expect(parsed.HostConfig.CapAdd ?? []).toEqual([]);
    expect(parsed.EffectiveCaps ?? []).toEqual([]);
    expect(parsed.BoundingCaps ?? []).toEqual([]);
    expect(parsed.Config.User).toBe('1000:1000');
    expect(parsed.HostConfig.NetworkMode).toBe('none');
    expect(parsed.State.Running).toBe(true);
  });

  it('restarts a killed container and is ready again, noticing the exit from engine events', async () => {
    const before = (await statusJson(env)).servers.find((s) => s.name === 'alpha')!;
    await podman('kill', own('alpha'));
    await waitForState('alpha', (s) => s.restarts > before.restarts && s.state === 'ready');
    const after = (await statusJson(env)).servers.find((s) => s.name === 'alpha')!;
    expect(after.reason).toMatch(/^ready/);
    expect(await serverContainers('alpha')).toHaveLength(1);
    const events = await mcpman(env, ['status', 'alpha']);
    expect(events.stdout).toMatch(/restarts\s+1/);
  });

  it('touches nothing on a second up with an unchanged config', async () => {
    const alpha = await inspect(own('alpha'));
    const beta = await inspect(own('beta'));
    const result = await mcpman(env, ['up', '--detach', '-f', config]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('a manager is already running');
    expect(result.stdout).not.toMatch(/create|recreate|remove/);
    for (const [name, before] of [
      [own('alpha'), alpha],
      [own('beta'), beta],
    ] as const) {
      const now = await inspect(name);
      expect(now.parsed.Id).toBe(before.parsed.Id);
      expect(now.parsed.State.StartedAt).toBe(before.parsed.State.StartedAt);
    }
  });

  it('recreates only the server whose config changed', async () => {
    const alpha = await inspect(own('alpha'));
    const beta = await inspect(own('beta'));
    // The running manager watches its config file and may apply the edit before `up` asks it
    // to; either way its log records what it did.
    const logBefore = (await daemonLog(env)).length;
    await writeFile(config, configText('320Mi'));
    const result = await mcpman(env, ['up', '--detach', '-f', config]);
    expect(result.code, result.stderr).toBe(0);
    const log = (await daemonLog(env)).slice(logBefore);
    expect(log).toMatch(/beta\s+recreate\s+config changed/);
    expect(log).not.toMatch(/alpha\s+(recreate|create)\s/);
    const alphaNow = await inspect(own('alpha'));
    const betaNow = await inspect(own('beta'));
    expect(alphaNow.parsed.Id).toBe(alpha.parsed.Id);
    expect(alphaNow.parsed.State.StartedAt).toBe(alpha.parsed.State.StartedAt);
    expect(betaNow.parsed.Id).not.toBe(beta.parsed.Id);
    expect(betaNow.parsed.HostConfig.Memory).toBe(320 * 1024 * 1024);
    expect(await serverContainers('beta')).toHaveLength(1);
  });

  it('adopts the containers after the manager is killed with SIGKILL: no duplicate, no orphan', async () => {
    const ids = {
      alpha: (await inspect(own('alpha'))).parsed.Id,
      beta: (await inspect(own('beta'))).parsed.Id,
    };
    const record = await daemonRecord(env);
    expect(record).toBeDefined();
    process.kill(record!.pid, 'SIGKILL');
    await expect.poll(() => processAlive(record!.pid)).toBe(false);
    const configBefore = await readFile(config, 'utf8');
    const result = await mcpman(env, ['up', '--detach', '-f', config]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/alpha\s+adopt/);
    expect(result.stdout).toMatch(/beta\s+adopt/);
    expect(result.stdout).not.toMatch(/\s(create|recreate)\s/);
    expect((await inspect(own('alpha'))).parsed.Id).toBe(ids.alpha);
    expect((await inspect(own('beta'))).parsed.Id).toBe(ids.beta);
    expect((await labelledObjects()).containers.sort()).toEqual([own('alpha'), own('beta')]);
    expect(await readFile(config, 'utf8')).toBe(configBefore);
  });

  it('down stops the manager and leaves zero labelled objects', async () => {
    const record = await daemonRecord(env);
    const result = await mcpman(env, ['down']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/removed \d+ containers/);
    expect(await labelledObjects()).toEqual({ containers: [], networks: [], volumes: [] });
    expect(processAlive(record!.pid)).toBe(false);
    expect(await daemonRecord(env)).toBeUndefined();
  });
});
