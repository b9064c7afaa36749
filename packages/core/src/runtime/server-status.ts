import type { ServerStatus } from '@mcpman/shared/contract';
import type { ContainerSummary } from '../engine/types.js';
import { LABEL } from './labels.js';

// A wire type (the API contract): re-exported where the runtime's callers have always found it.
export type { ServerStatus };

/**
 * A configured server no manager runs: `stopped`, with what the engine shows of its container
 * (if any) as the reason. A stdio server cannot run without a manager attached, so only the
 * container matters.
 */
export function unmanagedStatus(name: string, container: ContainerSummary | undefined): ServerStatus {
  return {
    name,
    state: 'stopped',
    reason:
      container === undefined
        ? 'no manager running (`mcpman up` starts it)'
        : `no manager running; container ${container.state}`,
    code: undefined,
    since: Date.now(),
    transport: container?.labels[LABEL.transport] === 'http' ? 'http' : 'stdio',
    containerId: container?.id,
    image: container?.image,
    restarts: 0,
    protocolVersion: undefined,
    serverInfo: undefined,
    lastProbe: undefined,
    endpoint: undefined,
  };
}
