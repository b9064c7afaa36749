import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where the manager keeps its state (daemon record, server logs): $MCPMAN_STATE_DIR, else
 * $XDG_STATE_HOME/mcpman, else ~/.local/state/mcpman.
 */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  return (
    env['MCPMAN_STATE_DIR'] ?? join(env['XDG_STATE_HOME'] ?? join(homedir(), '.local', 'state'), 'mcpman')
  );
}

/**
 * What one manager keeps for itself (its daemon record, socket and logs): managers of other
 * config files, and the Podman Desktop extension, each have their own (see runtime/owner.ts).
 */
export function managerStateDir(ownerId: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(defaultStateDir(env), 'managers', ownerId);
}

/** Per-server log files of one manager's stdio servers. */
export function serverLogDir(ownerId: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(managerStateDir(ownerId, env), 'logs');
}

/** The FIFO directories of stdio servers whose stdio runs over pipes (see stdio-channel.ts). */
export function stdioPipesDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(defaultStateDir(env), 'stdio');
}
