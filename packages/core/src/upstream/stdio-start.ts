import { setTimeout as delay } from 'node:timers/promises';
import type { ContainerCreateSpec } from '../engine/create-spec.js';
import type { AttachedStreams, EngineClient } from '../engine/engine-client.js';
import { isMCPError, MCPError, MCPErrorCode } from '@mcpman/protocol';
import type { StdioChannel } from './stdio-channel.js';

/** Tries before the start is reported failed (transient: the supervisor retries with backoff). */
const TRIES = 5;

/**
 * The wait before another try. A late cleanup is a separate process that a loaded machine may
 * run a good while after the exit; trying again at once can lose the race to it every time.
 */
const retryDelayMs = (attempt: number): number => 50 * 2 ** attempt;

/** Attach failures of a container whose runtime instance is being torn down under us. */
const isLostInstance = (error: unknown): boolean => {
  const status = isMCPError(error) ? error.data?.['status'] : undefined;
  return status === 409 || status === 500;
};

/**
 * Open the stdio of container `id` through `channel`, then start it, and return the streams
 * only once they are known to reach the process that started.
 *
 * Why the checks: after every exit Podman (4.x) runs a `podman container cleanup` process, and
 * it can come late, after our attach has prepared the stopped container for a start again. The
 * late cleanup then deletes that runtime instance, and the attach with it (the attach fails, or
 * its stream ends); our start makes a new instance no one is attached to. Neither is an error of
 * the server, so neither may count as one. The conmon PID tells the instances apart: an attach
 * that lost its instance before the start is opened again (the late cleanup is over then), and a
 * start that ran on a new instance is stopped and done again. Every stdio start goes through
 * here (a fresh container passes both checks at once), so there is one way to start one.
 */
export async function attachAndStart(
  engine: EngineClient,
  channel: StdioChannel,
  id: string,
  spec: ContainerCreateSpec,
): Promise<AttachedStreams> {
  let why = '';
  for (let attempt = 1; attempt <= TRIES; attempt += 1) {
    if (attempt > 1) await delay(retryDelayMs(attempt - 1));
    let streams: AttachedStreams;
    try {
      streams = await channel.open(engine, id, spec);
    } catch (error) {
      if (!isLostInstance(error)) throw error;
      why = error instanceof Error ? error.message : String(error);
      continue;
    }
    const before = await engine.runtimeState(id).catch((error: unknown) => {
      streams.close();
      throw error;
    });
    if (before?.status !== 'initialized' || before.conmonPid === 0) {
      streams.close();
      why = `the attach lost its runtime instance (container ${before?.status ?? 'gone'})`;
      continue;
    }
    try {
      await engine.startContainer(id);
      const after = await engine.runtimeState(id);
      // A server that exits at once has no conmon left (PID 0): its attach stream says why.
      if (after === undefined || after.conmonPid === 0 || after.conmonPid === before.conmonPid)
        return streams;
    } catch (error) {
      streams.close();
      throw error;
    }
    streams.close();
    why = 'the start ran on a new runtime instance, not the one attached to';
    await engine.stopContainer(id, 5);
  }
  throw new MCPError(
    MCPErrorCode.ContainerStartFailed,
    `could not start container ${id.slice(0, 12)} with its stdio attached (${TRIES} tries): ${why}`,
  );
}
