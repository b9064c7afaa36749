import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The kernel's count of OOM kills in a container's memory cgroup, read from the host.
 *
 * Podman reports `OOMKilled` only where conmon can watch the cgroup (not on cgroup v1 hosts in
 * some sandboxes), and a SIGKILL by the kernel looks like `podman kill` from its exit code
 * alone. The cgroup itself knows: `memory.events` (v2) or `memory.oom_control` (v1) count
 * `oom_kill`. Found from the container's PID while it runs; read again as soon as it dies,
 * before the engine's clean-up removes the cgroup. Works where the engine runs on this host
 * (the usual Podman set-up); elsewhere `locate` finds nothing and Podman's own flag is all.
 */
export class OomCounter {
  private constructor(
    private readonly file: string,
    private readonly atStart: number,
  ) {}

  /** The counter of the cgroup that `pid` is in, or undefined when it cannot be read here. */
  static async locate(pid: number, root = '/sys/fs/cgroup'): Promise<OomCounter | undefined> {
    if (pid <= 0) return undefined;
    const membership = await readFile(`/proc/${pid}/cgroup`, 'utf8').catch(() => undefined);
    if (membership === undefined) return undefined;
    for (const file of candidateFiles(membership, root)) {
      const count = await readOomKills(file);
      if (count !== undefined) return new OomCounter(file, count);
    }
    return undefined;
  }

  /** True when the kernel OOM-killed something in the cgroup since `locate`. */
  async killedSince(): Promise<boolean> {
    const count = await readOomKills(this.file);
    return count !== undefined && count > this.atStart;
  }
}

/** v1: the memory controller's line (`4:memory:/path`); v2: the unified line (`0::/path`). */
export function candidateFiles(membership: string, root: string): string[] {
  const files: string[] = [];
  for (const line of membership.split('\n')) {
    const [, controllers, path] = /^\d+:([^:]*):(.*)$/.exec(line.trim()) ?? [];
    if (path === undefined || controllers === undefined) continue;
    if (controllers.split(',').includes('memory'))
      files.push(join(root, 'memory', path, 'memory.oom_control'));
    else if (controllers === '')
      files.push(join(root, path, 'memory.events'), join(root, 'unified', path, 'memory.events'));
  }
  return files;
}

/** The `oom_kill N` line of a cgroup counter file. */
export function parseOomKills(text: string): number | undefined {
  const match = /^oom_kill (\d+)$/m.exec(text);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

async function readOomKills(file: string): Promise<number | undefined> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  return text === undefined ? undefined : parseOomKills(text);
}
