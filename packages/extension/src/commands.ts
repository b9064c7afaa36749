import { commands, env, window } from '@podman-desktop/api';
import type { Disposable } from '@podman-desktop/api';
import type { McpManagerApi } from '@mcpman/shared';
import { OPEN_DASHBOARD } from './status-bar.js';

export const COMMANDS = {
  openDashboard: OPEN_DASHBOARD,
  startServer: 'mcpman.startServer',
  stopServer: 'mcpman.stopServer',
  restartServer: 'mcpman.restartServer',
  copyClientConfig: 'mcpman.copyClientConfig',
} as const;

export interface CommandDeps {
  readonly openDashboard: () => Promise<void>;
  readonly api: () => McpManagerApi | undefined;
  readonly gatewayUrl: () => URL | undefined;
}

/** A server from the command's argument (a menu passes it), else asked with a quick pick. */
async function pickServer(
  api: McpManagerApi,
  argument: unknown,
  action: string,
): Promise<string | undefined> {
  if (typeof argument === 'string') return argument;
  const names = (await api.getOverview()).servers.map((s) => s.name);
  if (names.length === 0) {
    await window.showInformationMessage('No MCP servers are configured yet: add one from the dashboard.');
    return undefined;
  }
  return window.showQuickPick(names, { placeHolder: `Server to ${action}`, canPickMany: false });
}

/** The client config that points an MCP client (VS Code, Cursor, Claude Code) at the gateway. */
export function clientConfig(url: URL): string {
  return `${JSON.stringify({ mcpServers: { mcpman: { type: 'http', url: new URL('mcp', url).toString() } } }, null, 2)}\n`;
}

export function registerCommands(deps: CommandDeps): Disposable[] {
  const withApi =
    (run: (api: McpManagerApi, argument: unknown) => Promise<void>) =>
    async (argument?: unknown): Promise<void> => {
      const api = deps.api();
      if (api === undefined) {
        await window.showErrorMessage('MCP Server Manager is not running: start a Podman machine first.');
        return;
      }
      try {
        await run(api, argument);
      } catch (error) {
        await window.showErrorMessage(
          `MCP Server Manager: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    };
  const serverAction = (action: 'start' | 'stop' | 'restart') =>
    withApi(async (api, argument) => {
      const name = await pickServer(api, argument, action);
      if (name === undefined) return;
      if (action === 'start') await api.startServer(name);
      else if (action === 'stop') await api.stopServer(name);
      else await api.restartServer(name);
      await window.showInformationMessage(`MCP server ${name}: ${action} requested`);
    });
  return [
    commands.registerCommand(COMMANDS.openDashboard, deps.openDashboard),
    commands.registerCommand(COMMANDS.startServer, serverAction('start')),
    commands.registerCommand(COMMANDS.stopServer, serverAction('stop')),
    commands.registerCommand(COMMANDS.restartServer, serverAction('restart')),
    commands.registerCommand(
      COMMANDS.copyClientConfig,
      withApi(async () => {
        const url = deps.gatewayUrl();
        if (url === undefined) throw new Error('the gateway is not listening yet');
        await env.clipboard.writeText(clientConfig(url));
        await window.showInformationMessage(`Client config for ${new URL('mcp', url).toString()} copied`);
      }),
    ),
  ];
}
