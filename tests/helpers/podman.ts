import { execFile, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pingSocket } from '@mcpman/core';

const run = promisify(execFile);

/** The real podman CLI: what a user would type to check what the manager did. */
export async function podman(...args: string[]): Promise<string> {
  const { stdout } = await run('podman', args, { maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

export interface InspectedContainer {
  Id: string;
  Name: string;
  Image: string;
  State: { Status: string; Running: boolean; StartedAt: string; ExitCode: number; OOMKilled: boolean };
  Config: { User: string; Labels: Record<string, string>; Env: string[] };
  HostConfig: {
    ReadonlyRootfs: boolean;
    CapDrop: string[] | null;
    CapAdd: string[] | null;
    SecurityOpt: string[] | null;
    Memory: number;
    NanoCpus: number;
    CpuQuota: number;
    CpuPeriod: number;
    PidsLimit: number;
    NetworkMode: string;
  };
  NetworkSettings: { Networks: Record<string, unknown> | null };
  EffectiveCaps: string[] | null;
  BoundingCaps: string[] | null;
}

export async function inspect(nameOrId: string): Promise<{ parsed: InspectedContainer; raw: string }> {
  const raw = await podman('inspect', '--type', 'container', nameOrId);
  const [parsed] = JSON.parse(raw) as InspectedContainer[];
  if (parsed === undefined) throw new Error(`podman inspect ${nameOrId} returned nothing`);
  return { parsed, raw };
}

const MANAGED = 'label=io.mcpman.managed=true';

/** Everything labelled as the manager's, as podman lists it. */
export async function labelledObjects(): Promise<{
  containers: string[];
  networks: string[];
  volumes: string[];
}> {
  const lines = (text: string): string[] => text.split('\n').filter((line) => line.trim() !== '');
  return {
    containers: lines(await podman('ps', '-a', '--filter', MANAGED, '--format', '{{.Names}}')),
    networks: lines(await podman('network', 'ls', '--filter', MANAGED, '--format', '{{.Name}}')),
    volumes: lines(await podman('volume', 'ls', '--filter', MANAGED, '--format', '{{.Name}}')),
  };
}

/** Containers of one server (there must never be more than one). */
export async function serverContainers(server: string): Promise<{ id: string; state: string }[]> {
  const out = await podman(
    'ps',
    '-a',
    '--filter',
    `label=io.mcpman.server=${server}`,
    '--format',
    '{{.ID}} {{.State}}',
  );
  return out
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [id = '', state = ''] = line.split(' ');
      return { id, state };
    });
}

/** Per-client session containers of one server: their session ids (label io.mcpman.session). */
export async function sessionContainers(server: string): Promise<string[]> {
  const out = await podman(
    'ps',
    '-a',
    '--filter',
    `label=io.mcpman.server=${server}`,
    '--filter',
    'label=io.mcpman.role=session',
    '--format',
    '{{index .Labels "io.mcpman.session"}}',
  );
  return out
    .split('\n')
    .filter((line) => line.trim() !== '')
    .sort();
}

/**
 * `podman rm -f`, again when Podman 4 refuses because a container is between states (a stop
 * under way elsewhere: "container state improper"); the last failure is thrown.
 */
async function removeContainers(containers: readonly string[]): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await podman('rm', '-f', '--ignore', '-t', '0', ...containers);
      return;
    } catch (error) {
      if (attempt >= 5 || !/state improper|could not be stopped/.test(String(error))) throw error;
      await podman('wait', '--condition', 'stopped', ...containers).catch(() => undefined);
    }
  }
}

/** Clean-up for tests: remove every labelled object, whatever state the test left. */
export async function sweep(): Promise<void> {
  const { containers, networks, volumes } = await labelledObjects();
  if (containers.length > 0) await removeContainers(containers);
  for (const network of networks) await podman('network', 'rm', '-f', network).catch(() => undefined);
  for (const volume of volumes) await podman('volume', 'rm', '-f', volume).catch(() => undefined);
}

/** The Node base image npx:// servers are built on here (pulled or built by set-up). */
export async function nodeBaseImage(): Promise<string> {
  for (const ref of [
    'docker.io/library/node:22-bookworm-slim',
    `localhost/mcpman-node-base:${process.versions.node}`,
  ]) {
    const exists = await run('podman', ['image', 'exists', ref]).then(
      () => true,
      () => false,
    );
    if (exists) return ref;
  }
  throw new Error('no Node base image; run npm run setup');
}

/**
 * The Podman API service on `socketPath`, stopped and started again as a user or a package
 * upgrade would. `restore` starts it if a test left it stopped.
 */
export class ApiService {
  private stopped = false;

  constructor(readonly socketPath: string) {}

  /** SIGTERM is `systemctl stop`; SIGKILL a crash, which also cuts the attach streams it relays. */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const { stdout } = await run('pgrep', ['-f', `system service.*${this.socketPath}`]).catch(() => ({
      stdout: '',
    }));
    const pids = stdout
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map(Number);
    if (pids.length === 0) throw new Error(`no podman system service found for ${this.socketPath}`);
    for (const pid of pids) process.kill(pid, signal);
    this.stopped = true;
    await waitFor(async () => !(await pingSocket(this.socketPath, 500)), 'the API service to stop');
  }

  async start(): Promise<void> {
    // From `/`, as a daemon should: it outlives this test run and its working folder.
    const child = spawn('podman', ['system', 'service', '--time=0', `unix://${this.socketPath}`], {
      cwd: '/',
      detached: true,
      stdio: 'ignore',
    });
    child.unref();
    await waitFor(() => pingSocket(this.socketPath, 500), 'the API service to answer');
    this.stopped = false;
    // Keep the set-up's record of its service true, so a later set-up can restart it.
    const pidFile = join(
      process.env['XDG_STATE_HOME'] ?? join(homedir(), '.local/state'),
      'mcpman/podman-service.pid',
    );
    await writeFile(pidFile, `${child.pid ?? ''}\n`).catch(() => undefined);
  }

  async restore(): Promise<void> {
    if (this.stopped) await this.start();
  }
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
