import { describe, expect, it } from 'vitest';
import { Cancellation } from './cancellation.js';

describe('Cancellation', () => {
  it('runs each listener once, in order, and only the first abort counts', () => {
    const cancel = new Cancellation();
    const seen: string[] = [];
    cancel.onAbort(() => seen.push('a'));
    cancel.onAbort(() => seen.push('b'));
    expect(cancel.aborted).toBe(false);
    cancel.abort();
    cancel.abort();
    expect(cancel.aborted).toBe(true);
    expect(seen).toEqual(['a', 'b']);
  });

  it('does not run a listener that was removed', () => {
    const cancel = new Cancellation();
    const seen: string[] = [];
    const remove = cancel.onAbort(() => seen.push('removed'));
    cancel.onAbort(() => seen.push('kept'));
    remove();
    remove();
    cancel.abort();
    expect(seen).toEqual(['kept']);
  });

  it('runs a listener added after the abort at once', () => {
    const cancel = new Cancellation();
    cancel.abort();
    let ran = false;
    cancel.onAbort(() => {
      ran = true;
    });
    expect(ran).toBe(true);
  });

  it('gives a real AbortSignal that aborts with it, before or after it is asked for', () => {
    const early = new Cancellation();
    const signal = early.signal;
    expect(signal.aborted).toBe(false);
    early.abort();
    expect(signal.aborted).toBe(true);
    const late = new Cancellation();
    late.abort();
    expect(late.signal.aborted).toBe(true);
  });

  it('follows an AbortSignal until the link is removed', () => {
    const followed = new AbortController();
    const cancel = new Cancellation();
    cancel.follow(followed.signal);
    followed.abort();
    expect(cancel.aborted).toBe(true);

    const other = new AbortController();
    const unlinked = new Cancellation();
    const unlink = unlinked.follow(other.signal);
    unlink();
    other.abort();
    expect(unlinked.aborted).toBe(false);

    const already = new AbortController();
    already.abort();
    const follower = new Cancellation();
    follower.follow(already.signal);
    expect(follower.aborted).toBe(true);
  });
});
