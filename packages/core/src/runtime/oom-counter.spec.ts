import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { candidateFiles, parseOomKills } from './oom-counter.js';

describe('OOM counter', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  it('finds the memory controller file on cgroup v1 and memory.events on v2', () => {
    const v1 = '9:name=systemd:/\n4:memory:/libpod_parent/libpod-abc\n0::/\n';
    expect(candidateFiles(v1, '/cg')[0]).toBe('/cg/memory/libpod_parent/libpod-abc/memory.oom_control');
    expect(candidateFiles('0::/machine.slice/libpod-abc.scope\n', '/cg')).toEqual([
      '/cg/machine.slice/libpod-abc.scope/memory.events',
      '/cg/unified/machine.slice/libpod-abc.scope/memory.events',
    ]);
    expect(candidateFiles('garbage\n', '/cg')).toEqual([]);
  });

  it('reads the oom_kill line of either format', async () => {
    expect(parseOomKills('oom_kill_disable 0\nunder_oom 0\noom_kill 2\n')).toBe(2);
    expect(parseOomKills('low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\noom_group_kill 0\n')).toBe(1);
    expect(parseOomKills('oom_kill_disable 0\n')).toBeUndefined();
    // And from a file laid out like the kernel's.
    const dir = await mkdtemp(join(tmpdir(), 'oom-'));
    dirs.push(dir);
    await mkdir(join(dir, 'memory', 'x'), { recursive: true });
    await writeFile(join(dir, 'memory', 'x', 'memory.oom_control'), 'oom_kill 0\n');
    expect(candidateFiles('4:memory:/x', dir)).toEqual([join(dir, 'memory', 'x', 'memory.oom_control')]);
  });
});
