/** The MCP clients `mcpman client config` and the extension's Copy client config know. */
export const CLIENTS = ['claude-desktop', 'claude-code', 'vscode', 'cursor'] as const;
export type ClientName = (typeof CLIENTS)[number];

export const CLIENT_LABELS: Readonly<Record<ClientName, string>> = {
  'claude-desktop': 'Claude Desktop',
  'claude-code': 'Claude Code',
  vscode: 'VS Code',
  cursor: 'Cursor',
};

export function isClientName(value: string): value is ClientName {
  return (CLIENTS as readonly string[]).includes(value);
}

/**
 * How a client that can only spawn commands reaches the gateway: the mcpman CLI's stdio bridge
 * (`mcpman connect`) where the CLI is at hand, else `mcp-remote` from npm.
 */
export interface StdioBridge {
  readonly command: string;
  readonly args: (gateway: URL, server: string | undefined) => readonly string[];
}

/** `npx -y mcp-remote <url>`: the bridge for a machine without the mcpman CLI (Podman Desktop users). */
export const MCP_REMOTE_BRIDGE: StdioBridge = {
  command: 'npx',
  args: (gateway, server) => [
    '-y',
    'mcp-remote@0.15.1',
    new URL(server === undefined ? '/mcp' : `/servers/${encodeURIComponent(server)}/mcp`, gateway).toString(),
  ],
};

export interface ClientSnippet {
  /** What goes into the client's config as is (JSON, or a command line): nothing else. */
  readonly text: string;
  /** Where it goes, for a person: printed apart, so `> mcp.json` writes a valid file. */
  readonly hint: string;
}

/** The snippet a client needs to reach the gateway at `gateway` (or one server through it). */
export function clientSnippet(
  client: ClientName,
  gateway: URL,
  server: string | undefined,
  bridge: StdioBridge = MCP_REMOTE_BRIDGE,
): ClientSnippet {
  const name = server === undefined ? 'mcpman' : `mcpman-${server}`;
  const mcpUrl = new URL(
    server === undefined ? '/mcp' : `/servers/${encodeURIComponent(server)}/mcp`,
    gateway,
  ).toString();
  const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;
  switch (client) {
    case 'claude-desktop':
      // Claude Desktop spawns commands: a stdio bridge forwards to the gateway.
      return {
        text: json({
          mcpServers: { [name]: { command: bridge.command, args: [...bridge.args(gateway, server)] } },
        }),
        hint: 'Merge into claude_desktop_config.json (Settings > Developer > Edit Config).',
      };
    case 'claude-code':
      return {
        text: `claude mcp add --transport http ${name} ${mcpUrl}\n`,
        hint: 'Run it in a terminal (add --scope user to use it in every project).',
      };
    case 'vscode':
      return {
        text: json({ servers: { [name]: { type: 'http', url: mcpUrl } } }),
        hint: `Put in .vscode/mcp.json (or the user settings' "mcp" section).`,
      };
    case 'cursor':
      return {
        text: json({ mcpServers: { [name]: { url: mcpUrl } } }),
        hint: 'Put in ~/.cursor/mcp.json (or .cursor/mcp.json in a project).',
      };
  }
}
