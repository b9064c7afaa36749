import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ServerLogStore, serverLogPath } from './server-log.js';

describe('ServerLogStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mcpman-logs-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes one timestamped line per entry, per server', async () => {
    const store = new ServerLogStore(dir);
    store.append('a', 'first', Date.UTC(2026, 0, 2, 3, 4, 5, 6));
    store.append('b', 'other', Date.UTC(2026, 0, 2, 3, 4, 5, 7));
    await store.close();
    expect(await readFile(serverLogPath(dir, 'a'), 'utf8')).toBe('2026-01-02T03:04:05.006Z first\n');
    expect(await readFile(serverLogPath(dir, 'b'), 'utf8')).toBe('2026-01-02T03:04:05.007Z other\n');
  });

  it('rotates to .1 when the file grows past its limit, keeping one old file', async () => {
    const store = new ServerLogStore(dir, 100);
    // Each line is 53 bytes: the file rotates after every second line.
    for (let i = 0; i < 5; i += 1) store.append('a', `line ${i} ${'x'.repeat(20)}`, 0);
    await store.close();
    const current = await readFile(serverLogPath(dir, 'a'), 'utf8');
    const previous = await readFile(`${serverLogPath(dir, 'a')}.1`, 'utf8');
    expect(current).toBe(`1970-01-01T00:00:00.000Z line 4 ${'x'.repeat(20)}\n`);
    expect(
      previous
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(' ')[2]),
    ).toEqual(['2', '3']);
  });
});
