import open from 'open';
import { MCPError, MCPErrorCode } from '@mcpman/protocol';
import { ExitCode } from '../io.js';
import type { CliIO, ExitCodeValue } from '../io.js';
import { reportError } from '../errors.js';
import { chooseManager, severalManagers } from './context.js';

export interface DashboardOptions {
  readonly file?: string;
  /** Print the URL only; do not start a browser. */
  readonly open?: boolean;
}

/**
 * `mcpman dashboard`: the running manager's dashboard in the default browser, with this run's
 * key, which the manager hands out over its owner-only control socket and nowhere else. The key
 * lets the page change things (add servers, store secrets) even when authentication is off.
 */
export async function dashboardCommand(
  options: DashboardOptions,
  io: CliIO,
  launch: (url: string) => Promise<unknown> = open,
): Promise<ExitCodeValue> {
  try {
    const choice = await chooseManager(io, options.file);
    const running = choice.running;
    if (running === undefined) {
      if (choice.owner === undefined) throw severalManagers(choice.records);
      throw new MCPError(
        MCPErrorCode.ServerNotReady,
        `no manager is running for ${choice.configPath ?? 'this config'}`,
        {
          hint: '`mcpman up` starts one (it prints the same URL).',
        },
      );
    }
    const url = await running.client.dashboardUrl();
    io.stdout(`${url}\n`);
    if (options.open !== false) {
      await launch(url).catch((error: unknown) => {
        io.stderr(`mcpman: could not start a browser (${(error as Error).message}); open the URL above\n`);
      });
    }
    return ExitCode.Ok;
  } catch (error) {
    return reportError(error, io, false);
  }
}
