import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Redactor } from '@mcpman/protocol';
import { AuditLog } from './audit-log.js';
import type { AuditEntry } from './audit-log.js';

const toolCall = (target: string, durationMs: number): AuditEntry => ({
  who: 'token:ci',
  via: 'websocket',
  action: 'tools/call',
  target,
  outcome: 'ok',
  durationMs,
});

describe('AuditLog', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mcpman-audit-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const open = (redactor = new Redactor(), maxSize = 10 * 1024 * 1024, args = false): AuditLog =>
    new AuditLog(
      { enabled: true, file: join(dir, 'audit.log'), arguments: args, maxSize, keep: 2 },
      redactor,
    );

  const lines = async (): Promise<Record<string, unknown>[]> =>
    (await readFile(join(dir, 'audit.log'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);

  it('keeps every line of a burst, in order, one JSON object per line', async () => {
    const log = open();
    for (let i = 0; i < 500; i += 1) log.record(toolCall(`s__t${i}`, i));
    await log.close();
    const written = await lines();
    expect(written.map((line) => line['target'])).toEqual(Array.from({ length: 500 }, (_, i) => `s__t${i}`));
    expect(written[0]).toMatchObject({ log: 'audit', who: 'token:ci', via: 'websocket', outcome: 'ok' });
    const time = String(written[0]?.['time']);
    expect(time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Math.abs(Date.parse(time) - Date.now())).toBeLessThan(60_000);
  });

  it('writes lines recorded in separate turns of the event loop', async () => {
    const log = open();
    log.record({
      who: 'a',
      via: 'stdio',
      action: 'server.restart',
      target: 'one',
      outcome: 'ok',
      durationMs: 1,
    });
    await new Promise((resolve) => setImmediate(resolve));
    log.record({
      who: 'b',
      via: 'stdio',
      action: 'server.stop',
      target: 'two',
      outcome: 'error',
      error: 'x',
      durationMs: 2,
    });
    await log.close();
    expect((await lines()).map((line) => line['who'])).toEqual(['a', 'b']);
  });

  it('redacts secret values from errors and, when kept, arguments', async () => {
    const redactor = new Redactor();
    redactor.add('hunter2-secret');
    const log = open(redactor, 10 * 1024 * 1024, true);
    log.record({
      who: 'a',
      via: 'streamable-http',
      action: 'tools/call',
      outcome: 'error',
      error: 'bad key hunter2-secret',
      durationMs: 1,
      arguments: { key: 'hunter2-secret', n: 1 },
    });
    await log.close();
    const text = await readFile(join(dir, 'audit.log'), 'utf8');
    expect(text).not.toContain('hunter2-secret');
    expect((await lines())[0]).toMatchObject({ arguments: { n: 1 } });
  });

  it('rotates at maxSize and keeps no more than `keep` old files', async () => {
    const log = open(new Redactor(), 1024);
    for (let round = 0; round < 8; round += 1) {
      for (let i = 0; i < 20; i += 1) log.record(toolCall(`r${round}`, i));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await log.close();
    // rotating-file-stream also keeps its history of rotated names in `audit.log.txt`.
    const files = (await readdir(dir)).filter((name) => name.endsWith('audit.log'));
    expect(files).toContain('audit.log');
    expect(files.length).toBe(3);
  });
});
