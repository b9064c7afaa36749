import { describe, expect, it } from 'vitest';
import { ListCache } from './list-cache.js';
import { LogLevelSync, wantsLevel } from './log-levels.js';
import { ClientSession } from './session.js';
import type { LogLevel } from './session.js';
import { SubscriptionCounter } from './subscription-counter.js';

describe('ListCache', () => {
  it('keeps a list until it changes, its ttl runs out, or the session ends; ttl 0 keeps nothing', () => {
    const cache = new ListCache();
    cache.set('tools/list', [{ name: 'a' }], undefined, 0);
    cache.set('resources/list', [{ uri: 'x' }], 100, 0);
    cache.set('prompts/list', [{ name: 'p' }], 0, 0);
    expect(cache.get('tools/list', 1e12)).toEqual([{ name: 'a' }]);
    expect(cache.get('resources/list', 99)).toEqual([{ uri: 'x' }]);
    expect(cache.get('resources/list', 100)).toBeUndefined();
    expect(cache.get('prompts/list', 0)).toBeUndefined();
    cache.set('resources/templates/list', [{ uriTemplate: 't' }], undefined, 0);
    cache.changed('resources');
    expect([cache.get('resources/templates/list', 0), cache.get('tools/list', 0)]).toEqual([
      undefined,
      [{ name: 'a' }],
    ]);
    cache.clear();
    expect(cache.get('tools/list', 0)).toBeUndefined();
  });
});

describe('SubscriptionCounter', () => {
  it('says first and last, and takes back a failed first subscribe without losing later ones', () => {
    const counter = new SubscriptionCounter();
    expect([counter.add('u'), counter.add('u'), counter.add('v')]).toEqual([true, false, true]);
    expect(counter.uris()).toEqual(['u', 'v']);
    counter.undo('v');
    expect(counter.count('v')).toBe(0);
    expect([counter.remove('u'), counter.remove('u'), counter.remove('u')]).toEqual([false, true, false]);
    expect(counter.uris()).toEqual([]);
  });
});

describe('log levels across sessions', () => {
  const session = (level: LogLevel | undefined): ClientSession => {
    const made = new ClientSession('streamable-http', { kind: 'all' });
    made.logLevel = level;
    return made;
  };

  it('asks the server for the most verbose level wanted, once per change', () => {
    const sync = new LogLevelSync();
    expect(sync.next([session(undefined)])).toBeUndefined();
    expect(sync.next([session('error'), session('info')])).toBe('info');
    expect(sync.next([session('info')])).toBeUndefined();
    expect(sync.next([session('debug')])).toBe('debug');
    sync.reset();
    expect(sync.next([session('debug')])).toBe('debug');
  });

  it('sends each session only the levels it asked for', () => {
    expect(['debug', 'info', 'error', 'bogus'].map((level) => wantsLevel(session('info'), level))).toEqual([
      false,
      true,
      true,
      false,
    ]);
    expect(wantsLevel(session(undefined), 'emergency')).toBe(false);
  });
});
