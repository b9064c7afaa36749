import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ListToolsResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { LABEL, containerName, ownerForConfig } from '@mcpman/core';
import { McpGrpcClient } from '@mcpman/gateway';
import { cliEnv, daemonRecord, mcpman, stopManager } from './helpers/cli.js';
import { freePortRun } from './helpers/remote-server.js';
import { inspect, nodeBaseImage, podman, sweep } from './helpers/podman.js';
import { EVERYTHING, Workspace } from './helpers/workspace.js';

interface LsJson {
  servers: { name: string; state: string }[];
  others: { name: string; ownerId?: string; owner: string; state: string; containerName: string }[];
}

const server = (name: string): string => `  ${name}:\n    source: ${EVERYTHING}\n    args: [stdio]\n`;
/** A config that sets nothing of the gateway but its HTTP port, as a user running two would. */
const configText = (port: number, ...servers: string[]): string =>
  `version: 1\ngateway: { listen: 127.0.0.1:${port} }\nservers:\n${servers.map(server).join('')}`;

/**
 * Two projects on one engine: `mcpman up` for two config files, each with a server called
 * `common`. Each manager adopts, recreates and removes only what carries its own owner id, and
 * shows the other's servers read-only.
 */
describe('two managers with different config files on one engine', () => {
  const env = cliEnv();
  let workspace: Workspace;
  let a: string;
  let b: string;
  // b's HTTP port is right below a's, so the port after it (where b's gRPC would go) is a's.
  let portA: number;
  let portB: number;
  const own = (config: string, name: string): string => containerName(ownerForConfig(config).id, name);
  const id = async (name: string): Promise<string> => (await inspect(name)).parsed.Id;

  beforeAll(async () => {
    await sweep();
    workspace = await Workspace.create();
    portB = await freePortRun(3);
    portA = portB + 1;
    a = await workspace.write('a.yaml', configText(portA, 'alpha', 'common'));
    b = await workspace.write('b.yaml', configText(portB, 'common'));
  });

  afterAll(async () => {
    await stopManager(env);
    await sweep();
    await workspace.dispose();
  });

  it('run side by side, each with its own containers, records and sockets', async () => {
    const upA = await mcpman(env, ['up', '--detach', '-f', a]);
    expect(upA.code, upA.stdout + upA.stderr).toBe(0);
    const upB = await mcpman(env, ['up', '--detach', '-f', b]);
    expect(upB.code, upB.stdout + upB.stderr).toBe(0);
    expect(upB.stdout).toContain(`1 other manager running (${a})`);
    expect(upB.stdout).toContain('1/1 servers ready');
    for (const name of [own(a, 'alpha'), own(a, 'common'), own(b, 'common')])
      expect((await inspect(name)).parsed.State.Running, name).toBe(true);
    const labels = (await inspect(own(b, 'common'))).parsed.Config.Labels;
    expect(labels[LABEL.owner]).toBe(ownerForConfig(b).id);
    expect(labels[LABEL.ownerName]).toBe(b);
    const [recordA, recordB] = [await daemonRecord(env, a), await daemonRecord(env, b)];
    expect(recordA?.pid).not.toBe(recordB?.pid);
    expect(recordA?.socket).not.toBe(recordB?.socket);
    // gRPC beside each HTTP port; b's neighbour is a's HTTP port, so b's gRPC took a free one.
    expect(recordA?.grpc).toBe(`127.0.0.1:${portA + 1}`);
    expect(recordB?.grpc).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(recordB?.grpc).not.toBe(`127.0.0.1:${portA}`);
    expect(upB.stdout).toContain(`gateway at http://127.0.0.1:${portB}/mcp and grpc://${recordB?.grpc}`);
  });

  it("reports each manager's own addresses: status, gRPC, client config and the dashboard", async () => {
    const recordB = await daemonRecord(env, b);
    const status = await mcpman(env, ['status', '-f', b]);
    expect(status.stdout).toContain(`at http://127.0.0.1:${portB}/ (gRPC ${recordB?.grpc}) for ${b}`);
    // b's gRPC address, as reported, reaches b's server.
    const grpc = new McpGrpcClient({ address: recordB!.grpc!, server: 'common' });
    try {
      const tools = ListToolsResultSchema.parse(await grpc.listTools());
      expect(tools.tools.map((t) => t.name)).toContain('echo');
    } finally {
      grpc.close();
    }
    for (const [file, port] of [
      [a, portA],
      [b, portB],
    ] as const) {
      const snippet = await mcpman(env, ['client', 'config', 'vscode', '-f', file]);
      expect(snippet.code, snippet.stderr).toBe(0);
      expect(snippet.stdout).toContain(`http://127.0.0.1:${port}/mcp`);
      const dashboard = await mcpman(env, ['dashboard', '--no-open', '-f', file]);
      expect(dashboard.stdout).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/#key=`));
    }
  });

  it("lists the other manager's servers read-only", async () => {
    const ls = await mcpman(env, ['ls', '--json', '-f', b]);
    expect(ls.code, ls.stderr).toBe(0);
    const listed = JSON.parse(ls.stdout) as LsJson;
    expect(listed.servers.map((s) => [s.name, s.state])).toEqual([['common', 'ready']]);
    expect(listed.others.map((o) => [o.name, o.owner, o.state]).sort()).toEqual([
      ['alpha', a, 'running'],
      ['common', a, 'running'],
    ]);
    const text = await mcpman(env, ['ls', '-f', b]);
    expect(text.stdout).toMatch(/other managers' servers \(read-only/);
    expect(text.stdout).toMatch(new RegExp(`alpha\\s+running\\s+stdio\\s+${a}`));
    // With no config named and two managers running, a command that needs one says so.
    const restart = await mcpman(env, ['restart', 'common'], { cwd: workspace.path('..') });
    expect(restart.code).toBe(2);
    expect(restart.stderr).toMatch(/2 managers are running .*-f <config file>/s);
  });

  it("reconciles a config edit without touching the other manager's server of the same name", async () => {
    const theirs = await id(own(b, 'common'));
    await workspace.write('a.yaml', configText(portA, 'alpha'));
    const up = await mcpman(env, ['up', '--detach', '-f', a]);
    expect(up.code, up.stderr).toBe(0);
    await expect
      .poll(async () => (await podman('ps', '-a', '--format', '{{.Names}}')).split('\n'))
      .not.toContain(own(a, 'common'));
    expect(await id(own(b, 'common'))).toBe(theirs);
    expect((await inspect(own(b, 'common'))).parsed.State.Running).toBe(true);
  });

  it("down removes only its own servers and says what it left; --all removes everyone's", async () => {
    const theirs = await id(own(b, 'common'));
    const down = await mcpman(env, ['down', '-f', a]);
    expect(down.code, down.stderr).toBe(0);
    expect(down.stdout).toContain(`stopped the manager of ${a}`);
    // The manager removed its servers as it stopped; the sweep after it finds nothing left.
    expect(down.stdout).toContain(`volumes of ${a}`);
    expect(down.stdout).toContain('left 1 server of other managers running');
    await expect(inspect(own(a, 'alpha'))).rejects.toThrow();
    expect(await id(own(b, 'common'))).toBe(theirs);
    const status = await mcpman(env, ['status', '--json', '-f', b]);
    expect((JSON.parse(status.stdout) as LsJson).servers).toMatchObject([{ name: 'common', state: 'ready' }]);

    const all = await mcpman(env, ['down', '--all']);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toContain(`stopped the manager of ${b}`);
    expect(all.stdout).toContain("(every manager's)");
    expect(
      await podman('ps', '-a', '--filter', 'label=io.mcpman.managed=true', '--format', '{{.Names}}'),
    ).toBe('');
  });
});

/**
 * A container an mcpman from before owner labels left running: a manager whose config does
 * not name its server leaves it alone; the first whose config names it takes the server over.
 */
describe('a container from before owner labels', () => {
  const env = cliEnv();
  let workspace: Workspace;
  const LEGACY = 'mcpman-legacy';

  beforeAll(async () => {
    await sweep();
    workspace = await Workspace.create();
    // What an earlier mcpman made: managed and named after the server, with no owner.
    await podman(
      'run',
      '-d',
      '--name',
      LEGACY,
      ...['managed=true', 'role=server', 'server=legacy', 'transport=stdio'].flatMap((label) => [
        '--label',
        `io.mcpman.${label}`,
      ]),
      '--entrypoint',
      'node',
      await nodeBaseImage(),
      '-e',
      'setInterval(() => {}, 1 << 30)',
    );
  });

  afterAll(async () => {
    await stopManager(env);
    await sweep();
    await workspace.dispose();
  });

  it('is left running by a manager whose config does not name it, and listed as unowned', async () => {
    const other = await workspace.write('other.yaml', configText(0, 'alpha'));
    const up = await mcpman(env, ['up', '--detach', '-f', other]);
    expect(up.code, up.stderr).toBe(0);
    expect((await inspect(LEGACY)).parsed.State.Running).toBe(true);
    const ls = JSON.parse((await mcpman(env, ['ls', '--json', '-f', other])).stdout) as LsJson;
    expect(ls.others.map((o) => [o.name, o.containerName, o.ownerId])).toEqual([
      ['legacy', LEGACY, undefined],
    ]);
    expect(ls.others[0]?.owner).toMatch(/^none \(made before owner labels/);
    const down = await mcpman(env, ['down', '-f', other]);
    expect(down.stdout).toContain('left 1 server of other managers running');
    expect((await inspect(LEGACY)).parsed.State.Running).toBe(true);
  });

  it('is migrated, not deleted, by the first manager whose config names its server', async () => {
    const config = await workspace.write('mcpman.yaml', configText(0, 'legacy'));
    const up = await mcpman(env, ['up', '--detach', '-f', config]);
    expect(up.code, up.stdout + up.stderr).toBe(0);
    expect(up.stdout).toMatch(/legacy\s+migrate\s+container mcpman-legacy has no owner label/);
    expect(up.stdout).toContain('1/1 servers ready');
    const taken = await inspect(containerName(ownerForConfig(config).id, 'legacy'));
    expect(taken.parsed.State.Running).toBe(true);
    expect(taken.parsed.Config.Labels[LABEL.owner]).toBe(ownerForConfig(config).id);
    await expect(inspect(LEGACY)).rejects.toThrow();
  });
});
