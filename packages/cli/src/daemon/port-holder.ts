import { MCPError } from '@mcpman/protocol';
import type { DaemonRecord } from './state.js';

function portOf(address: string): number | undefined {
  const port = /:(\d+)\/?$/.exec(address)?.[1];
  return port === undefined ? undefined : Number(port);
}

/**
 * A listen address another mcpman manager holds is the usual clash when two configs run side
 * by side: name that manager and which of its listeners it is, so the fix is obvious.
 */
export function namePortHolder(error: unknown, records: readonly DaemonRecord[]): unknown {
  if (!(error instanceof MCPError)) return error;
  const cause = error.cause as { code?: unknown; port?: unknown } | undefined;
  if (cause?.code !== 'EADDRINUSE' || typeof cause.port !== 'number') return error;
  const port = cause.port;
  for (const record of records) {
    const what =
      portOf(new URL(record.url).host) === port
        ? 'HTTP listener'
        : record.grpc !== undefined && portOf(record.grpc) === port
          ? 'gRPC listener'
          : undefined;
    if (what === undefined) continue;
    return new MCPError(
      error.code,
      `${error.message}: it is the ${what} of the manager of ${record.configPath} (pid ${record.pid})`,
      {
        cause: error,
        hint:
          what === 'gRPC listener'
            ? `That manager put gRPC on the port after its HTTP port. Choose a gateway.listen port that is not next to another manager's, or give that manager its own gateway.grpc.listen.`
            : 'Give each config its own gateway.listen port (or --port).',
      },
    );
  }
  return error;
}
