import { describe, expect, it } from 'vitest';
import { formatAgo, formatBytes } from './format.js';

describe('formatting', () => {
  it('prints sizes in binary units', () => {
    expect(formatBytes(undefined)).toBe('–');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(300 * 1024 * 1024)).toBe('300 MiB');
  });

  it('prints how long ago', () => {
    expect(formatAgo(0, 5_000)).toBe('5s ago');
    expect(formatAgo(0, 125_000)).toBe('2m ago');
    expect(formatAgo(0, 2 * 86_400_000)).toBe('2d ago');
  });
});
