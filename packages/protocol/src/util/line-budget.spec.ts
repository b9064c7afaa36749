import { describe, expect, it } from 'vitest';
import { LineBudget } from './line-budget.js';

describe('LineBudget', () => {
  it('lets the first lines of a window through and reports how many it dropped', () => {
    const dropped: number[] = [];
    const budget = new LineBudget(3, 1000, (count) => dropped.push(count));
    const passed = Array.from({ length: 10 }, (_, i) => budget.take(1000 + i));
    expect(passed).toEqual([true, true, true, false, false, false, false, false, false, false]);
    expect(dropped).toEqual([]);
    // The next window reports the last one's count and starts afresh.
    expect(budget.take(2000)).toBe(true);
    expect(dropped).toEqual([7]);
    budget.flush();
    expect(dropped).toEqual([7]);
  });

  it('reports the count of a flood that stops, when flushed at the end', () => {
    const dropped: number[] = [];
    const budget = new LineBudget(1, 60_000, (count) => dropped.push(count));
    budget.take(0);
    budget.take(1);
    budget.take(2);
    budget.flush();
    expect(dropped).toEqual([2]);
  });
});
