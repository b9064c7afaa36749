import { MCPError, MCPErrorCode } from '@mcpman/protocol';
import { CLIENTS, clientSnippet, isClientName } from '@mcpman/shared';
import type { StdioBridge } from '@mcpman/shared';
import { ExitCode } from '../io.js';
import type { CliIO, ExitCodeValue } from '../io.js';
import { reportError } from '../errors.js';
import { gatewayUrl } from './clients.js';
import { SELF_ENTRY } from '../self.js';

export { CLIENTS };

/** This CLI's own stdio bridge, `mcpman connect`, run by the Node that runs the CLI. */
const CLI_BRIDGE: StdioBridge = {
  command: process.execPath,
  args: (gateway, server) => [
    SELF_ENTRY,
    'connect',
    ...(server === undefined ? [] : [server]),
    '--url',
    gateway.toString(),
  ],
};

export interface ClientConfigOptions {
  readonly server?: string;
  readonly url?: string;
  /** The config whose gateway is meant (default: the one here, as every command). */
  readonly file?: string;
}

/**
 * `mcpman client config <client>`: the snippet on stdout, and nothing else there, so
 * `> mcp.json` writes a valid file; where it goes on stderr.
 */
export async function clientConfigCommand(
  client: string,
  options: ClientConfigOptions,
  io: CliIO,
): Promise<ExitCodeValue> {
  try {
    if (!isClientName(client)) {
      throw new MCPError(MCPErrorCode.ConfigInvalid, `unknown client "${client}"`, {
        hint: `Known clients: ${CLIENTS.join(', ')}.`,
      });
    }
    const base = await gatewayUrl(options, io);
    const snippet = clientSnippet(client, base, options.server, CLI_BRIDGE);
    io.stdout(snippet.text);
    io.stderr(`# ${snippet.hint}\n`);
    return ExitCode.Ok;
  } catch (error) {
    return reportError(error, io, false);
  }
}
