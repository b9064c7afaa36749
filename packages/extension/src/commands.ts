import { commands, env, window } from '@podman-desktop/api';
import * as z from 'zod';
import type { Disposable } from '@podman-desktop/api';
import { CLIENTS, CLIENT_LABELS, MCP_REMOTE_BRIDGE, clientSnippet } from '@mcpman/shared';
import type { ClientName, McpManagerApi } from '@mcpman/shared';
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

/**
 * What a container's menu in Podman Desktop passes a command: the container as its list shows
 * it. Only its id is relied on (spelled `id` or `Id` across versions).
 */
const ContainerArgument = z.union([
  z.object({ id: z.string().min(1) }).transform((c) => c.id),
  z.object({ Id: z.string().min(1) }).transform((c) => c.Id),
]);

/**
 * A server from the command's argument (a name from the dashboard, a container from a
 * container's menu), else asked with a quick pick.
 */
async function pickServer(
  api: McpManagerApi,
  argument: unknown,
  action: string,
): Promise<string | undefined> {
  if (typeof argument === 'string') return argument;
  const overview = await api.getOverview();
  const container = ContainerArgument.safeParse(argument);
  if (container.success) {
    const id = container.data;
    const server = overview.servers.find(
      (s) => s.containerId !== undefined && (s.containerId.startsWith(id) || id.startsWith(s.containerId)),
    );
    if (server !== undefined) return server.name;
    await window.showWarningMessage(
      'This container is not one of the MCP servers Podman Desktop runs: another mcpman manager (`mcpman up` of another config file) runs it, so it is managed from there.',
    );
    return undefined;
  }
  const names = overview.servers.map((s) => s.name);
  if (names.length === 0) {
    await window.showInformationMessage('No MCP servers are configured yet: add one from the dashboard.');
    return undefined;
  }
  return window.showQuickPick(names, { placeHolder: `Server to ${action}`, canPickMany: false });
}

/** Which client to copy a config for: each reads its own format (see @mcpman/shared client-snippets). */
async function pickClient(): Promise<ClientName | undefined> {
  const label = await window.showQuickPick(
    CLIENTS.map((client) => CLIENT_LABELS[client]),
    { placeHolder: 'Copy the config for which MCP client?', canPickMany: false },
  );
  return CLIENTS.find((client) => CLIENT_LABELS[client] === label);
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
        const client = await pickClient();
        if (client === undefined) return;
        // No mcpman CLI beside Podman Desktop: clients that spawn commands get mcp-remote.
        const snippet = clientSnippet(client, url, undefined, MCP_REMOTE_BRIDGE);
        await env.clipboard.writeText(snippet.text);
        await window.showInformationMessage(`${CLIENT_LABELS[client]} config copied. ${snippet.hint}`);
      }),
    ),
  ];
}
