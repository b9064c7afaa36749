import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../config/loader.js';
import type { MCPServerConfig } from '../config/schema.js';
import {
  SECRETS_DIR,
  SECRET_ENV_VAR,
  buildContainerSpec,
  configHash,
  effectiveNetwork,
} from './container-spec.js';
import type { ResolvedImage, SpecInput } from './container-spec.js';
import type { ContainerCreateSpec, SpecMount } from '../engine/create-spec.js';
import { canonicalJson } from '@mcpman/protocol';
import { LABEL } from './labels.js';
import type { ManagerOwner } from './owner.js';
import { STDIO_PIPES_ENV, STDIO_PIPES_TARGET } from '../upstream/stdio-pipes.js';

function server(fields: Record<string, unknown> = {}): MCPServerConfig {
  const text = JSON.stringify({ version: 1, servers: { s: { source: 'npx://pkg@1.0.0', ...fields } } });
  return parseConfigText(text).config.servers['s']!;
}

const npxImage: ResolvedImage = {
  id: 'sha256:aaa',
  ref: 'localhost/mcpman/npx-pkg:1',
  launcher: 'node',
  entrypoint: ['/usr/local/bin/node', '/opt/mcpman/launch.mjs', '/app/node_modules/pkg/bin.js'],
  cmd: [],
};
const OWNER: ManagerOwner = { id: 'a1b2c3', name: '/cfg/mcpman.yaml' };

const plainImage: ResolvedImage = {
  id: 'sha256:bbb',
  ref: 'docker.io/x/y:1',
  launcher: 'none',
  entrypoint: ['/entry'],
  cmd: ['serve', '--stdio'],
};

describe('buildContainerSpec', () => {
  it('hardens a server that sets nothing but its source', () => {
    const spec = buildContainerSpec({
      owner: OWNER,
      name: 'everything',
      server: server(),
      image: npxImage,
      configDir: '/cfg',
    });
    expect(spec.name).toBe('mcpman-a1b2c3-everything');
    expect(spec.cap_drop).toEqual(['ALL']);
    expect(spec.no_new_privileges).toBe(true);
    expect(spec.read_only_filesystem).toBe(true);
    expect(spec.user).toBe('1000:1000');
    expect(spec.netns).toEqual({ nsmode: 'none' });
    expect(spec.networks).toBeUndefined();
    expect(spec.portmappings).toBeUndefined();
    expect(spec.resource_limits).toEqual({
      memory: { limit: 512 * 1024 ** 2, swap: 512 * 1024 ** 2 },
      cpu: { quota: 100_000, period: 100_000 },
      pids: { limit: 256 },
    });
    expect(spec.mounts.map((m) => m.destination)).toEqual(['/tmp', '/run']);
    expect(spec.mounts[0]!.options).toContain(`size=${64 * 1024 ** 2}`);
    expect(spec.stdin).toBe(true);
    expect(spec.labels).toMatchObject({
      [LABEL.managed]: 'true',
      [LABEL.server]: 'everything',
      [LABEL.transport]: 'stdio',
      [LABEL.role]: 'server',
    });
    expect(spec.labels[LABEL.configHash]).toMatch(/^[0-9a-f]{64}$/);
    expect(spec.secrets).toBeUndefined();
  });

  it('applies limits, user labels and arguments from the config', () => {
    const spec = buildContainerSpec({
      owner: OWNER,
      name: 's',
      server: server({
        args: ['stdio'],
        resourceLimits: { memory: '256Mi', cpus: 0.5, pids: 64 },
        labels: { team: 'ai' },
        env: { A: 'b' },
      }),
      image: npxImage,
      configDir: '/cfg',
    });
    expect(spec.command).toEqual(['stdio']);
    expect(spec.entrypoint).toBeUndefined();
    expect(spec.resource_limits.memory.limit).toBe(256 * 1024 ** 2);
    expect(spec.resource_limits.cpu.quota).toBe(50_000);
    expect(spec.resource_limits.pids.limit).toBe(64);
    expect(spec.labels['team']).toBe('ai');
    expect(spec.env).toEqual({ A: 'b' });
  });

  it('mounts only what is declared, read-only unless said otherwise, relative to the config', () => {
    const spec = buildContainerSpec({
      owner: OWNER,
      name: 's',
      server: server({
        securityPolicies: {
          mounts: [
            { source: 'data', target: '/data' },
            { source: '/abs', target: '/w', readOnly: false },
          ],
        },
      }),
      image: npxImage,
      configDir: '/cfg',
    });
    const binds = spec.mounts.filter((m) => m.type === 'bind');
    expect(binds).toEqual([
      {
        destination: '/data',
        type: 'bind',
        source: '/cfg/data',
        options: ['rbind', 'ro', 'nosuid', 'nodev'],
      },
      { destination: '/w', type: 'bind', source: '/abs', options: ['rbind', 'rw', 'nosuid', 'nodev'] },
    ]);
  });

  it('passes secrets as files and only their names as env, never values', () => {
    const spec = buildContainerSpec({
      owner: OWNER,
      name: 's',
      server: server({ secrets: { API_TOKEN: 'gh-token', OTHER: 'other' } }),
      image: npxImage,
      configDir: '/cfg',
    });
    expect(spec.secrets).toEqual([
      { source: 'gh-token', target: `${SECRETS_DIR}/gh-token`, uid: 1000, gid: 1000, mode: 0o400 },
      { source: 'other', target: `${SECRETS_DIR}/other`, uid: 1000, gid: 1000, mode: 0o400 },
    ]);
    expect(spec.env).toEqual({ [SECRET_ENV_VAR]: 'API_TOKEN=gh-token,OTHER=other' });
  });

  it('wraps the entrypoint of a plain image in a shell that exports the secret files', () => {
    const spec = buildContainerSpec({
      owner: OWNER,
      name: 's',
      server: server({ secrets: { TOKEN: 'tok' } }),
      image: plainImage,
      configDir: '/cfg',
    });
    expect(spec.entrypoint).toEqual([
      '/bin/sh',
      '-c',
      `TOKEN="$(cat '${SECRETS_DIR}/tok')"; export TOKEN; exec "$@"`,
      'mcpman-launch',
      '/entry',
      'serve',
      '--stdio',
    ]);
    expect(spec.command).toEqual([]);
    expect(spec.env[SECRET_ENV_VAR]).toBeUndefined();
  });

  it('puts isolated servers on their own internal network and publishes bridge http servers on loopback', () => {
    const isolated = buildContainerSpec({
      owner: OWNER,
      name: 'h',
      server: server({ transport: { type: 'http', port: 3001 } }),
      image: npxImage,
      configDir: '/',
    });
    expect(effectiveNetwork(server({ transport: { type: 'http', port: 3001 } }))).toBe('isolated');
    expect(isolated.netns).toEqual({ nsmode: 'bridge' });
    expect(isolated.networks).toEqual({ 'mcpman-a1b2c3-h-isolated': {} });
    expect(isolated.portmappings).toBeUndefined();
    expect(isolated.stdin).toBe(false);
    const bridge = buildContainerSpec({
      owner: OWNER,
      name: 'h',
      server: server({ transport: { type: 'http', port: 3001 }, securityPolicies: { network: 'bridge' } }),
      image: npxImage,
      configDir: '/',
    });
    expect(bridge.networks).toBeUndefined();
    expect(bridge.portmappings).toEqual([
      { host_ip: '127.0.0.1', host_port: 0, container_port: 3001, protocol: 'tcp' },
    ]);
  });

  /** A spec for server `everything` with stdio pipes under /state/stdio, `input` overriding. */
  const withPipes = (input: Partial<SpecInput> = {}): ContainerCreateSpec =>
    buildContainerSpec({
      owner: OWNER,
      name: 'everything',
      server: server(),
      image: npxImage,
      configDir: '/cfg',
      stdioPipes: '/state/stdio',
      ...input,
    });
  const pipesMount = (spec: ContainerCreateSpec): SpecMount | undefined =>
    spec.mounts.find((m) => m.destination === STDIO_PIPES_TARGET);

  it('with stdio pipes, mounts the container FIFO directory read-only and leaves the engine stdin unused', () => {
    const piped = withPipes();
    expect(pipesMount(piped)).toEqual({
      destination: STDIO_PIPES_TARGET,
      type: 'bind',
      source: '/state/stdio/mcpman-a1b2c3-everything',
      options: ['rbind', 'ro', 'nosuid', 'nodev', 'noexec', 'Z'],
    });
    expect(piped.env[STDIO_PIPES_ENV]).toBe(STDIO_PIPES_TARGET);
    expect(piped.stdin).toBe(false);
    const attached = withPipes({ stdioPipes: undefined });
    expect(pipesMount(attached)).toBeUndefined();
    // Switching channel means another container: the old one's stdio is wired the other way.
    expect(piped.labels[LABEL.configHash]).not.toBe(attached.labels[LABEL.configHash]);
    const session = withPipes({ containerName: 'mcpman-everything-s-1' });
    expect(pipesMount(session)?.source).toBe('/state/stdio/mcpman-everything-s-1');
  });

  it("labels and names everything after its owner, so two managers' servers of one name never clash", () => {
    const mine = withPipes();
    const theirs = withPipes({ owner: { id: 'desktop', name: 'Podman Desktop' } });
    expect(mine.labels[LABEL.owner]).toBe('a1b2c3');
    expect(mine.labels[LABEL.ownerName]).toBe('/cfg/mcpman.yaml');
    expect(theirs.labels[LABEL.owner]).toBe('desktop');
    expect(theirs.name).toBe('mcpman-desktop-everything');
    expect(theirs.name).not.toBe(mine.name);
    expect(pipesMount(theirs)?.source).not.toBe(pipesMount(mine)?.source);
  });

  it('uses stdio pipes only for stdio servers in images that run the launcher', () => {
    for (const spec of [
      withPipes({ image: plainImage }),
      withPipes({ server: server({ transport: { type: 'http', port: 3001 } }) }),
    ]) {
      expect(pipesMount(spec)).toBeUndefined();
      expect(spec.env[STDIO_PIPES_ENV]).toBeUndefined();
    }
  });

  it('changes the config hash when the config or the image changes, and only then', () => {
    const base = configHash('s', server(), npxImage);
    expect(configHash('s', server(), npxImage)).toBe(base);
    expect(configHash('s', server({ args: ['x'] }), npxImage)).not.toBe(base);
    expect(configHash('s', server(), { ...npxImage, id: 'sha256:other' })).not.toBe(base);
    expect(configHash('t', server(), npxImage)).not.toBe(base);
  });
});

describe('canonicalJson', () => {
  it('ignores key order', () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: [3, { f: 1, e: 2 }] } })).toBe(
      canonicalJson({ a: { c: [3, { e: 2, f: 1 }], d: 2 }, b: 1 }),
    );
  });
});
