import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { MCPErrorCode } from '@mcpman/protocol';
import type { ContainerCreateSpec } from '../engine/create-spec.js';
import type { AttachedStreams, EngineClient } from '../engine/engine-client.js';
import { attachAndStart } from './stdio-start.js';
import type { StdioChannel } from './stdio-channel.js';

/**
 * An engine whose container loses its runtime instance to a late cleanup `lostFor` times (the
 * attach finds it `stopped`, as after Podman's late `container cleanup`), then behaves.
 */
function racingEngine(lostFor: number): {
  engine: EngineClient;
  channel: StdioChannel;
  opened: () => number;
} {
  let opens = 0;
  let closed = 0;
  const channel = {
    kind: 'attach',
    pipesRoot: undefined,
    prepare: (spec: ContainerCreateSpec) => Promise.resolve(spec),
    open: (): Promise<AttachedStreams> => {
      opens += 1;
      const stream = new PassThrough();
      return Promise.resolve({ stdin: stream, frames: new PassThrough(), close: () => (closed += 1) });
    },
  } as unknown as StdioChannel;
  let started = false;
  const engine = {
    runtimeState: () =>
      Promise.resolve(
        started
          ? { status: 'running', conmonPid: 7 }
          : opens <= lostFor
            ? { status: 'stopped', conmonPid: 0 }
            : { status: 'initialized', conmonPid: 7 },
      ),
    startContainer: () => {
      started = true;
      return Promise.resolve();
    },
    stopContainer: () => Promise.resolve(),
  } as unknown as EngineClient;
  return { engine, channel, opened: () => opens - closed };
}

const spec = {} as ContainerCreateSpec;

describe('attachAndStart', () => {
  it('attaches again after a late cleanup took the instance, and starts on the one attached to', async () => {
    const { engine, channel, opened } = racingEngine(3);
    const streams = await attachAndStart(engine, channel, 'c0ffee', spec);
    expect(streams.frames).toBeDefined();
    // The three lost attaches were closed; only the one returned is open.
    expect(opened()).toBe(1);
  });

  it('gives up after its tries with a transient error that says why', async () => {
    const { engine, channel, opened } = racingEngine(100);
    const failure = await attachAndStart(engine, channel, 'c0ffee00000000', spec).catch(
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({ code: MCPErrorCode.ContainerStartFailed });
    expect(String(failure)).toMatch(
      /c0ffee000000 with its stdio attached \(5 tries\): the attach lost its runtime instance/,
    );
    expect(opened()).toBe(0);
  });
});
