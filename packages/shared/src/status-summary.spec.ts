import { describe, expect, it } from 'vitest';
import { summarize, toneOf } from './status-summary.js';

describe('status summary', () => {
  it('counts ready servers and takes the worst state', () => {
    const summary = summarize([
      { name: 'a', state: 'ready', reason: 'ok' },
      { name: 'b', state: 'starting', reason: 'waiting for initialize' },
      { name: 'c', state: 'failed', reason: 'image not found' },
      { name: 'd', state: 'ready', reason: 'ok' },
    ]);
    expect(summary.text).toBe('MCP 2/4 ready');
    expect(summary.worst).toBe('bad');
    expect(summary.lines).toEqual([
      'a: ready',
      'b: starting (waiting for initialize)',
      'c: failed (image not found)',
      'd: ready',
    ]);
  });

  it('is good when all are ready and busy while one is on its way', () => {
    expect(summarize([{ name: 'a', state: 'ready', reason: '' }]).worst).toBe('good');
    expect(
      summarize([
        { name: 'a', state: 'ready', reason: '' },
        { name: 'b', state: 'pulling', reason: '' },
      ]).worst,
    ).toBe('busy');
    expect(summarize([]).text).toBe('MCP 0/0 ready');
  });

  it('shows a restarting server as down', () => {
    expect(toneOf('restarting')).toBe('bad');
    expect(toneOf('stopped')).toBe('idle');
  });
});
