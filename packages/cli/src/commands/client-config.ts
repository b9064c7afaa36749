import { fileURLToPath } from 'node:url';
import { MCPError, MCPErrorCode } from '@mcpman/core';
import { ExitCode } from '../io.js';
import type { CliIO, ExitCodeValue } from '../io.js';
import { reportError } from '../errors.js';
import { runningManager } from './context.js';

export const CLIENTS = ['claude-desktop', 'claude-code', 'vscode', 'cursor'] as const;
type ClientName = (typeof CLIENTS)[number];

const BIN = fileURLToPath(new URL('../../bin/mcpman.js', import.meta.url));

export interface ClientConfigOptions {
  readonly server?: string;
  readonly url?: string;
}

/** The snippet a client needs to reach the gateway (or one server through it). */
export function clientSnippet(client: ClientName, base: URL, server: string | undefined): string {
  const name = server === undefined ? 'mcpman' : `mcpman-${server}`;
  const mcpUrl = new URL(
    server === undefined ? '/mcp' : `/servers/${encodeURIComponent(server)}/mcp`,
    base,
  ).toString();
  switch (client) {
    case 'claude-desktop':
      // Claude Desktop spawns commands: the stdio bridge forwards to the gateway.
      return `${JSON.stringify(
        {
          mcpServers: {
            [name]: {
              command: process.execPath,
              args: [BIN, 'connect', ...(server === undefined ? [] : [server]), '--url', base.toString()],
            },
          },
        },
        null,
        2,
      )}\n# Merge into claude_desktop_config.json (Settings > Developer > Edit Config).\n`;
    case 'claude-code':
      return `claude mcp add --transport http ${name} ${mcpUrl}\n`;
    case 'vscode':
      return `${JSON.stringify({ servers: { [name]: { type: 'http', url: mcpUrl } } }, null, 2)}\n# Put in .vscode/mcp.json (or the user settings' "mcp" section).\n`;
    case 'cursor':
      return `${JSON.stringify({ mcpServers: { [name]: { url: mcpUrl } } }, null, 2)}\n# Put in ~/.cursor/mcp.json (or .cursor/mcp.json in a project).\n`;
  }
}

/** `mcpman client config <client>` */
export async function clientConfigCommand(
  client: string,
  options: ClientConfigOptions,
  io: CliIO,
): Promise<ExitCodeValue> {
  try {
    if (!(CLIENTS as readonly string[]).includes(client)) {
      throw new MCPError(MCPErrorCode.ConfigInvalid, `unknown client "${client}"`, {
        hint: `Known clients: ${CLIENTS.join(', ')}.`,
      });
    }
    const base = new URL(options.url ?? (await runningManager(io))?.record.url ?? 'http://127.0.0.1:7420');
    io.stdout(clientSnippet(client as ClientName, base, options.server));
    return ExitCode.Ok;
  } catch (error) {
    return reportError(error, io, false);
  }
}
