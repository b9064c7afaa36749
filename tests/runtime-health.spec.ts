import { mkdir, writeFile } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { McpRuntime, ServerStateEvent } from '@mcpman/core';
import { RuntimeHarness } from './helpers/runtime.js';
import { nodeBaseImage, podman } from './helpers/podman.js';
import { EVERYTHING } from './helpers/workspace.js';

/** The config of a GOES_SILENT server named `name` on `base`, with its health and restart lines. */
function silentServer(name: string, base: string, settings: string): string {
  return `  ${name}:\n    source: image:${base}\n    entrypoint: [/usr/local/bin/node, -e, ${JSON.stringify(GOES_SILENT)}]\n${settings}`;
}

/**
 * A stdio MCP server that answers the handshake and then goes silent: alive, but not answering.
 * It logs each ping it leaves unanswered, so a test can tell a probe is in flight.
 */
const GOES_SILENT = [
  "let n=0;require('readline').createInterface({input:process.stdin}).on('line',l=>{const m=JSON.parse(l);",
  "if(m.method==='initialize'){process.stdout.write(JSON.stringify({jsonrpc:'2.0',id:m.id,result:{protocolVersion:'2025-11-25',capabilities:{},serverInfo:{name:'hangs',version:'1'}}})+'\\n');return;}",
  "if(m.method==='ping'){process.stderr.write('ping left unanswered\\n');return;}",
  "if(m.id!==undefined&&m.method!=='ping')process.stdout.write(JSON.stringify({jsonrpc:'2.0',id:m.id,error:{code:-32601,message:'no'}})+'\\n');})",
].join('');

describe('health: readiness, liveness, restarts', () => {
  let h: RuntimeHarness;
  const start = (yaml: string): Promise<McpRuntime> => h.start(yaml);
  const states = (server: string): ServerStateEvent[] => h.states(server);

  beforeAll(async () => {
    h = await RuntimeHarness.create();
  });

  afterEach(async () => {
    await h.reset();
  });

  afterAll(async () => {
    await h.dispose();
  });

  it('notices a killed container from engine events within a second, then restarts it', async () => {
    const rt = await start(`  quick:\n    source: ${EVERYTHING}\n    restart: { initialDelay: 50ms }\n`);
    const killedAt = Date.now();
    await podman('kill', 'mcpman-test-quick');
    await expect
      .poll(() => states('quick').find((e) => e.state === 'restarting'), { timeout: 5_000, interval: 20 })
      .toBeDefined();
    const restarting = states('quick').find((e) => e.state === 'restarting')!;
    expect(restarting.at - killedAt).toBeLessThan(1_000);
    expect(restarting.reason).toMatch(
      /^container exited with code 137 \(SIGKILL\); restart 1 of 5 in \d+ ms$/,
    );
    expect(restarting.code).toBe('CONTAINER_EXITED');
    await expect.poll(() => rt.get('quick')!.state, { timeout: 30_000 }).toBe('ready');
    expect(rt.get('quick')!.status().restarts).toBe(1);
  });

  it('restarts a server that stops answering liveness probes after failureThreshold misses', async () => {
    const base = await nodeBaseImage();
    const rt = await start(
      silentServer(
        'hangs',
        base,
        '    health: { interval: 300ms, timeout: 200ms, failureThreshold: 2 }\n    restart: { maxRetries: 1, initialDelay: 50ms }\n',
      ),
    );
    expect(rt.get('hangs')!.state).toBe('ready');
    await expect.poll(() => rt.get('hangs')!.state, { timeout: 30_000, interval: 100 }).toBe('failed');
    const seen = states('hangs').map((e) => e.state);
    // On a mismatch, say why each state was entered (a slow engine versus a wrong transition).
    const why = states('hangs')
      .map((e) => `${e.state}: ${e.reason}`)
      .join('\n');
    expect(seen, why).toEqual([
      'starting',
      'ready',
      'unhealthy',
      'restarting',
      'starting',
      'ready',
      'unhealthy',
      'failed',
    ]);
    const unhealthy = states('hangs').find((e) => e.state === 'unhealthy')!;
    expect(unhealthy.reason).toMatch(/^missed 1 of 2 liveness probes/);
    expect(rt.get('hangs')!.status().reason).toMatch(
      /missed 2 liveness probes in a row .*\(gave up after 1 restart\)$/,
    );
    const health = h.events.filter((e) => e.type === 'server.health' && e.server === 'hangs');
    expect(health.length).toBeGreaterThanOrEqual(4);
  });

  it('counts no missed probe in a requested restart, even with one in flight, and starts a stopped server', async () => {
    const base = await nodeBaseImage();
    const rt = await start(
      silentServer('silent', base, '    health: { interval: 100ms, timeout: 60s, failureThreshold: 1 }\n'),
    );
    const server = rt.get('silent')!;
    // The probe that is waiting for its pong fails when the restart closes the session: that is
    // the restart's doing, not a missed probe (which, at threshold 1, would be a second restart).
    await expect
      .poll(() => server.recentLogs.some((entry) => entry.line === 'ping left unanswered'), {
        timeout: 10_000,
      })
      .toBe(true);
    const before = states('silent').length;
    const since = (): string[] =>
      states('silent')
        .slice(before)
        .map((e) => `${e.state}: ${e.reason}`);
    await server.restart();
    expect(since()).toEqual([
      'restarting: restart requested',
      'starting: starting container again',
      'ready: ready (2025-11-25, hangs 1)',
    ]);
    expect(server.status().restarts).toBe(1);

    await server.stop({ remove: false });
    expect(server.state).toBe('stopped');
    const stoppedAt = states('silent').length;
    await server.restart();
    expect(
      states('silent')
        .slice(stoppedAt)
        .map((e) => e.state),
    ).toEqual(['restarting', 'starting', 'ready']);
    expect(server.status().restarts).toBe(2);
  });

  // Podman runs a late `container cleanup` after each exit that, unchecked, took the new attach
  // with it in about one restart in three here (see upstream/stdio-start.ts).
  it.each(['pipes', 'attach'] as const)(
    'restarts a stdio server over and over, ready on the first attempt every time (%s)',
    async (stdio) => {
      const base = await nodeBaseImage();
      const rt = await h.start(silentServer('again', base, '    health: { interval: 1h }\n'), '', { stdio });
      const server = rt.get('again')!;
      expect(server.status().endpoint).toMatch(new RegExp(`^stdio ${stdio} `));
      const before = states('again').length;
      for (let i = 0; i < 12; i += 1) await server.restart();
      const seen = states('again')
        .slice(before)
        .map((e) => `${e.state}: ${e.reason}`);
      expect(
        seen.filter((line) => !/^(restarting: restart requested|starting: |ready: )/.test(line)),
      ).toEqual([]);
      expect(seen.filter((line) => line.startsWith('ready: '))).toHaveLength(12);
      expect(server.status().restarts).toBe(12);
      // The channel carries requests: the server's own answer (it lists no tools) comes back.
      await expect(server.peer!.request('tools/list', {})).rejects.toMatchObject({ rpc: { code: -32601 } });
    },
  );

  it('builds a build: source once, tagged by a hash of its inputs', async () => {
    const base = await nodeBaseImage();
    const dir = h.workspace.path('tiny-server');
    await mkdir(dir, { recursive: true });
    await writeFile(`${dir}/server.js`, GOES_SILENT);
    await writeFile(
      `${dir}/Containerfile`,
      `FROM ${base}\nCOPY server.js /srv/server.js\nENTRYPOINT ["/usr/local/bin/node", "/srv/server.js"]\n`,
    );
    const rt = await start(`  built:\n    source: build:tiny-server\n    health: { interval: 1h }\n`);
    const status = rt.get('built')!.status();
    expect(status.state).toBe('ready');
    expect(status.image).toMatch(/^localhost\/mcpman\/build-tiny-server:[0-9a-f]{16}$/);
    const building = states('built').filter((e) => e.state === 'building');
    expect(building.length).toBe(1);
    // Same inputs: no build the second time.
    const again = await rt.images.resolve(
      { type: 'build', context: dir, containerfile: 'Containerfile', buildArgs: {} },
      h.workspace.dir,
    );
    expect(again.ref).toBe(status.image);
    // A changed input: a new tag.
    await writeFile(`${dir}/server.js`, `${GOES_SILENT}\n// changed\n`);
    const changed = await rt.images.resolve(
      { type: 'build', context: dir, containerfile: 'Containerfile', buildArgs: {} },
      h.workspace.dir,
    );
    expect(changed.ref).not.toBe(status.image);
    await podman('rmi', '-f', status.image!, changed.ref);
  });
});
