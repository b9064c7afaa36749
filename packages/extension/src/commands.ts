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
 * What a container's menu in Podman Desktop passes a command: one container as its list shows
 * it (`ContainerInfoUI`: the full 64-hex `id`, `name`, `engineId`, `labels`, …).
 */
const ContainerArgument = z.looseObject({
  id: z.string().regex(/^[0-9a-f]{12,64}$/),
  name: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
});

/** The labels every container of this extension's manager carries (see core's runtime/labels). */
const OURS = { 'io.mcpman.managed': 'true', 'io.mcpman.owner': 'desktop' } as const;

/** A box the user reads when they like: nothing waits on it (Podman Desktop's boxes are modal). */
export function tell(level: 'info' | 'warning' | 'error', message: string): void {
  const shown =
    level === 'info'
      ? window.showInformationMessage(message)
      : level === 'warning'
        ? window.showWarningMessage(message)
        : window.showErrorMessage(message);
  shown.catch(() => undefined);
}

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
    const { id, labels } = container.data;
    const ours = labels === undefined || Object.entries(OURS).every(([key, value]) => labels[key] === value);
    const server = overview.servers.find(
      (s) => s.containerId !== undefined && (s.containerId.startsWith(id) || id.startsWith(s.containerId)),
    );
    if (server !== undefined && ours) return server.name;
    tell(
      'warning',
      'This container is not one of the MCP servers Podman Desktop runs: another mcpman manager (`mcpman up` of another config file) runs it, so it is managed from there.',
    );
    return undefined;
  }
  const names = overview.servers.map((s) => s.name);
  if (names.length === 0) {
    tell('info', 'No MCP servers are configured yet: add one from the dashboard.');
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
        tell('error', 'MCP Server Manager is not running: start a Podman machine first.');
        return;
      }
      try {
        await run(api, argument);
      } catch (error) {
        tell('error', `MCP Server Manager: ${error instanceof Error ? error.message : String(error)}`);
      }
    };
  const serverAction = (action: 'start' | 'stop' | 'restart') =>
    withApi(async (api, argument) => {
      const name = await pickServer(api, argument, action);
      if (name === undefined) return;
      if (action === 'start') await api.startServer(name);
      else if (action === 'stop') await api.stopServer(name);
      else await api.restartServer(name);
      tell('info', `MCP server ${name}: ${action} requested`);
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
        tell('info', `${CLIENT_LABELS[client]} config copied. ${snippet.hint}`);
      }),
    ),
  ];
}
