import { describe, expect, it } from 'vitest';
import {
  ADDED_IN_STATELESS,
  CACHEABLE,
  INPUT_METHODS,
  LIST_METHODS,
  REMOVED_IN_STATELESS,
  REQUEST_METHODS,
  SESSION_ONLY,
} from './methods.js';

describe('the method tables', () => {
  it('name as session-only exactly the requests that change what a session holds', () => {
    expect([...SESSION_ONLY].sort()).toEqual([
      'logging/setLevel',
      'resources/subscribe',
      'resources/unsubscribe',
    ]);
  });

  it('agree with each other: no method both added and removed, every listed method a request', () => {
    expect([...ADDED_IN_STATELESS].filter((m) => REMOVED_IN_STATELESS.has(m))).toEqual([]);
    for (const method of [
      ...INPUT_METHODS,
      ...CACHEABLE,
      ...Object.keys(LIST_METHODS),
      ...ADDED_IN_STATELESS,
    ])
      expect(REQUEST_METHODS.has(method), method).toBe(true);
    for (const method of Object.keys(LIST_METHODS)) expect(CACHEABLE.has(method), method).toBe(true);
  });
});
