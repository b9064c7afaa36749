import type { MCPErrorCode } from '../errors/codes.js';
import type { ContainerSummary } from '../engine/types.js';
import type { ServerState } from '../events/event-bus.js';
import type { Implementation } from '../protocol/mcp.js';
import { LABEL } from './labels.js';

/**
 * One server as the management API, the dashboard and the CLI show it: a wire type (the API
 * contract in `@mcpman/shared` re-exports it), made by the supervisor of a running server or,
 * without a manager, from what the engine shows.
 */
export interface ServerStatus {
  readonly name: string;
  readonly state: ServerState;
  readonly reason: string;
  readonly code: MCPErrorCode | undefined;
  readonly since: number;
  readonly transport: 'stdio' | 'http';
  readonly containerId: string | undefined;
  readonly image: string | undefined;
  readonly restarts: number;
  readonly protocolVersion: string | undefined;
  readonly serverInfo: Implementation | undefined;
  readonly lastProbe: { readonly ok: boolean; readonly latencyMs: number; readonly at: number } | undefined;
  readonly endpoint: string | undefined;
}

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
