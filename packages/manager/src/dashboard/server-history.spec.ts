import { afterEach, describe, expect, it, vi } from 'vitest';
import { EventBus } from '@mcpman/core';
import { ServerHistory } from './server-history.js';

describe('server history', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('samples figures only while a dashboard is watching, and keeps a bounded ring', async () => {
    vi.useFakeTimers();
    let asked = 0;
    const history = new ServerHistory({
      bus: new EventBus(),
      figures: () => {
        asked += 1;
        return Promise.resolve({ a: { toolCalls: asked, toolErrors: 0, memoryBytes: 1024 } });
      },
      sampleMs: 1000,
      keep: 3,
      watchMs: 10_000,
    });
    await vi.advanceTimersByTimeAsync(5000);
    expect(asked).toBe(0);
    history.watch();
    await vi.advanceTimersByTimeAsync(0);
    expect(asked).toBe(1);
    await vi.advanceTimersByTimeAsync(5000);
    expect(history.metricsOf('a').map((m) => m.toolCalls)).toEqual([4, 5, 6]);
    // Nobody looked for longer than watchMs: the engine is left alone.
    await vi.advanceTimersByTimeAsync(10_000);
    const after = asked;
    await vi.advanceTimersByTimeAsync(5000);
    expect(asked).toBe(after);
    history.dispose();
  });

  it('records every health probe from the bus, watched or not', () => {
    const bus = new EventBus();
    const history = new ServerHistory({ bus, figures: () => Promise.resolve({}), sampleMs: 1000, keep: 2 });
    for (const latencyMs of [1, 2, 3])
      bus.emit({ type: 'server.health', server: 'a', ok: latencyMs !== 2, latencyMs, at: latencyMs });
    expect(history.healthOf('a')).toEqual([
      { at: 2, ok: false, latencyMs: 2 },
      { at: 3, ok: true, latencyMs: 3 },
    ]);
    history.dispose();
  });
});
