import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { Redactor } from '@mcpman/protocol';
import { LogService } from './log-service.js';
import type { LoggingSettings } from './log-service.js';

const settings = (extra: Partial<LoggingSettings> = {}): LoggingSettings => ({
  level: 'info',
  components: {},
  servers: {},
  format: 'auto',
  ...extra,
});

class Capture extends Writable {
  text = '';
  constructor(readonly isTTY: boolean) {
    super();
  }
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

describe('LogService', () => {
  const dirs: string[] = [];
  const fileOf = async (): Promise<string> => {
    const dir = await mkdtemp(join(tmpdir(), 'mcpman-log-'));
    dirs.push(dir);
    return join(dir, 'mcpman.log');
  };
  const lines = async (file: string): Promise<Record<string, unknown>[]> =>
    (await readFile(file, 'utf8'))
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  it('writes JSON lines with component, server, level and time, at each one’s own level', async () => {
    const file = await fileOf();
    const logs = new LogService({
      file,
      settings: settings({ components: { gateway: 'debug', engine: 'error' }, servers: { noisy: 'warn' } }),
    });
    logs.component('runtime').debug('hidden: runtime is at info');
    logs.component('runtime').info({ server: 'a' }, 'a ready');
    logs.component('gateway').debug('shown: gateway is at debug');
    logs.component('engine').warn('hidden: engine is at error');
    logs.server('noisy').info('hidden: noisy is at warn');
    logs.server('noisy').warn('noisy trouble');
    logs.server('quiet').info('quiet line');
    await logs.flush();
    const written = await lines(file);
    expect(written.map((l) => l['msg'])).toEqual([
      'a ready',
      'shown: gateway is at debug',
      'noisy trouble',
      'quiet line',
    ]);
    expect(written[0]).toMatchObject({ level: 'info', component: 'runtime', server: 'a' });
    expect(written[2]).toMatchObject({ level: 'warn', component: 'server', server: 'noisy' });
    expect(typeof written[0]?.['time']).toBe('string');
    expect(Number.isNaN(Date.parse(String(written[0]?.['time'])))).toBe(false);
  });

  it('redacts secret values from messages and fields', async () => {
    const file = await fileOf();
    const redactor = new Redactor();
    redactor.add('s3cr3t-value');
    const logs = new LogService({ file, settings: settings(), redactor });
    logs.component('gateway').info({ header: 'Bearer s3cr3t-value' }, 'sent s3cr3t-value upstream');
    await logs.flush();
    const text = await readFile(file, 'utf8');
    expect(text).not.toContain('s3cr3t-value');
    expect(text).toContain('[REDACTED]');
  });

  it('prints warnings pretty on a terminal and as JSON elsewhere, and nothing below its level', async () => {
    const tty = new Capture(true);
    const pipe = new Capture(false);
    for (const console of [tty, pipe]) {
      const logs = new LogService({ settings: settings(), console, consoleLevel: 'warn' });
      logs.component('runtime').info('not on the console');
      logs.server('everything').warn('restarting');
      await logs.flush();
    }
    expect(tty.text).toMatch(/WARN.*server everything: restarting/);
    expect(tty.text).not.toContain('not on the console');
    expect(JSON.parse(pipe.text.trim())).toMatchObject({
      level: 'warn',
      server: 'everything',
      msg: 'restarting',
    });
  });
});
