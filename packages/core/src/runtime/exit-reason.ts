import { formatBytes } from '../config/units.js';
import { MCPErrorCode } from '@mcpman/protocol';
import type { ContainerDetails } from '../engine/types.js';

const SIGNALS: Readonly<Record<number, string>> = {
  1: 'SIGHUP',
  2: 'SIGINT',
  6: 'SIGABRT',
  9: 'SIGKILL',
  11: 'SIGSEGV',
  15: 'SIGTERM',
};

export interface ExitReason {
  readonly reason: string;
  readonly code: MCPErrorCode;
  /** Exit status 0 and not killed: the server chose to stop. */
  readonly clean: boolean;
}

/** Why a container stopped, in words: exit code, signal, out of memory. */
export function describeExit(
  details: ContainerDetails | undefined,
  exitCode: number | undefined,
  /** The cgroup's own OOM count went up (see OomCounter), where the engine cannot tell. */
  oomCounted = false,
): ExitReason {
  const code = details?.exitCode ?? exitCode ?? -1;
  if (details?.oomKilled === true || oomCounted) {
    return {
      reason:
        details === undefined || details.memoryBytes === 0
          ? 'killed for running out of memory'
          : `killed for running out of memory (limit ${formatBytes(details.memoryBytes)})`,
      code: MCPErrorCode.ContainerOomKilled,
      clean: false,
    };
  }
  if (code > 128 && code < 160) {
    const signal = SIGNALS[code - 128] ?? `signal ${code - 128}`;
    return {
      reason: `container exited with code ${code} (${signal})`,
      code: MCPErrorCode.ContainerExited,
      clean: false,
    };
  }
  const error = details?.error !== undefined && details.error !== '' ? `: ${details.error}` : '';
  return {
    reason: `container exited with code ${code}${error}`,
    code: MCPErrorCode.ContainerExited,
    clean: code === 0,
  };
}
