import { join, win32 } from 'node:path';
import type { DocumentFormat } from './documents.js';
import { jsonFormat, tomlFormat, yamlFormat } from './documents.js';

export type Platform = 'linux' | 'darwin' | 'win32';

/** Where a user's files are, as the client would compute them (a test passes a temporary home). */
export interface Places {
  readonly platform: Platform;
  readonly home: string;
  /** %APPDATA% on Windows. */
  readonly appData: string;
  /** $XDG_CONFIG_HOME, else ~/.config. */
  readonly xdgConfig: string;
}

/** How the client reaches the gateway: its URL (with headers), or a command it spawns. */
export type Target =
  | { readonly kind: 'url'; readonly url: string; readonly headers: Readonly<Record<string, string>> }
  | {
      readonly kind: 'stdio';
      readonly command: string;
      readonly args: readonly string[];
      /** The bridge's token (MCPMAN_TOKEN) when the gateway wants one. */
      readonly env?: Readonly<Record<string, string>>;
    };

export interface ClientSpec {
  readonly id: string;
  readonly name: string;
  readonly format: DocumentFormat;
  readonly formatName: 'json' | 'jsonc' | 'yaml' | 'toml';
  /** The user-scope file on each platform the client runs on. */
  readonly userFile: (places: Places) => string | undefined;
  /** The project-scope file, relative to the project folder, where the client has one. */
  readonly projectFile?: string;
  /** The key path of the object (or, with `list`, the list) that holds the servers. */
  readonly container: readonly string[];
  /** Servers are a list of entries with a `name` (Continue). */
  readonly list?: boolean;
  /** The best the client takes: a URL, or only a command to spawn (then the stdio bridge). */
  readonly transport: 'url' | 'stdio';
  readonly entry: (target: Target, name: string) => Record<string, unknown>;
  /** Commands whose presence on the PATH says the client is installed. */
  readonly binaries?: readonly string[];
  /**
   * How the client's files name an environment variable in a header value, where it expands
   * them (a project file gets `Bearer ${MCPMAN_TOKEN}`, never the token itself).
   */
  readonly envReference?: (variable: string) => string;
}

const dollarBraces = (variable: string): string => `\${${variable}}`;
const dollarEnv = (variable: string): string => `\${env:${variable}}`;

/** Per platform: the macOS and Windows application-data folder, and the Linux XDG one. */
function appSupport(places: Places, ...parts: string[]): string {
  switch (places.platform) {
    case 'darwin':
      return join(places.home, 'Library', 'Application Support', ...parts);
    case 'win32':
      return win32.join(places.appData, ...parts);
    default:
      return join(places.xdgConfig, ...parts);
  }
}

/** A file under the home folder, the same on every platform. */
function inHome(places: Places, ...parts: string[]): string {
  return places.platform === 'win32' ? win32.join(places.home, ...parts) : join(places.home, ...parts);
}

function urlOrCommand(
  target: Target,
  url: (target: Extract<Target, { kind: 'url' }>) => Record<string, unknown>,
): Record<string, unknown> {
  if (target.kind === 'url') return url(target);
  return stdioEntry(target);
}

function stdioEntry(target: Extract<Target, { kind: 'stdio' }>): Record<string, unknown> {
  return {
    command: target.command,
    args: [...target.args],
    ...(target.env === undefined || Object.keys(target.env).length === 0 ? {} : { env: { ...target.env } }),
  };
}

function withHeaders(headers: Readonly<Record<string, string>>, key = 'headers'): Record<string, unknown> {
  return Object.keys(headers).length === 0 ? {} : { [key]: { ...headers } };
}

const plainUrl = (target: Target): Record<string, unknown> =>
  urlOrCommand(target, (t) => ({ url: t.url, ...withHeaders(t.headers) }));
const typedHttp = (target: Target): Record<string, unknown> =>
  urlOrCommand(target, (t) => ({ type: 'http', url: t.url, ...withHeaders(t.headers) }));
const commandOnly = (target: Target): Record<string, unknown> =>
  target.kind === 'stdio' ? stdioEntry(target) : { url: target.url };

/** VS Code's folder name for each flavour's user settings. */
const vscodeUser = (folder: string) => (places: Places) => appSupport(places, folder, 'User', 'mcp.json');
const vscodeExtension = (extension: string, file: string) => (places: Places) =>
  appSupport(places, 'Code', 'User', 'globalStorage', extension, 'settings', file);

/**
 * Every client mcpman can connect, with where it keeps its MCP servers and in which shape. The
 * locations and formats are the clients' own documented ones (see docs/usage.md#clients).
 */
export const CLIENT_CATALOG: readonly ClientSpec[] = [
  {
    id: 'claude-desktop',
    name: 'Claude Desktop',
    format: jsonFormat,
    formatName: 'json',
    userFile: (p) =>
      p.platform === 'linux'
        ? join(p.xdgConfig, 'Claude', 'claude_desktop_config.json')
        : appSupport(p, 'Claude', 'claude_desktop_config.json'),
    container: ['mcpServers'],
    transport: 'stdio',
    entry: commandOnly,
    binaries: ['claude-desktop'],
  },
  {
    id: 'claude-code',
    name: 'Claude Code',
    format: jsonFormat,
    formatName: 'json',
    userFile: (p) => inHome(p, '.claude.json'),
    projectFile: '.mcp.json',
    container: ['mcpServers'],
    transport: 'url',
    entry: typedHttp,
    binaries: ['claude'],
    envReference: dollarBraces,
  },
  {
    id: 'vscode',
    name: 'Visual Studio Code',
    format: jsonFormat,
    formatName: 'jsonc',
    userFile: vscodeUser('Code'),
    projectFile: '.vscode/mcp.json',
    container: ['servers'],
    transport: 'url',
    entry: typedHttp,
    binaries: ['code'],
    envReference: dollarEnv,
  },
  {
    id: 'vscode-insiders',
    name: 'Visual Studio Code Insiders',
    format: jsonFormat,
    formatName: 'jsonc',
    userFile: vscodeUser('Code - Insiders'),
    projectFile: '.vscode/mcp.json',
    container: ['servers'],
    transport: 'url',
    entry: typedHttp,
    binaries: ['code-insiders'],
    envReference: dollarEnv,
  },
  {
    id: 'cursor',
    name: 'Cursor',
    format: jsonFormat,
    formatName: 'json',
    userFile: (p) => inHome(p, '.cursor', 'mcp.json'),
    projectFile: '.cursor/mcp.json',
    container: ['mcpServers'],
    transport: 'url',
    entry: plainUrl,
    binaries: ['cursor'],
    envReference: dollarEnv,
  },
  {
    id: 'windsurf',
    name: 'Windsurf',
    format: jsonFormat,
    formatName: 'json',
    userFile: (p) => inHome(p, '.codeium', 'windsurf', 'mcp_config.json'),
    container: ['mcpServers'],
    transport: 'url',
    entry: (target) => urlOrCommand(target, (t) => ({ serverUrl: t.url, ...withHeaders(t.headers) })),
    binaries: ['windsurf'],
  },
  {
    id: 'cline',
    name: 'Cline',
    format: jsonFormat,
    formatName: 'json',
    userFile: vscodeExtension('saoudrizwan.claude-dev', 'cline_mcp_settings.json'),
    container: ['mcpServers'],
    transport: 'url',
    entry: (target) =>
      urlOrCommand(target, (t) => ({
        type: 'streamableHttp',
        url: t.url,
        ...withHeaders(t.headers),
        disabled: false,
      })),
  },
  {
    id: 'roo-code',
    name: 'Roo Code',
    format: jsonFormat,
    formatName: 'json',
    userFile: vscodeExtension('rooveterinaryinc.roo-cline', 'mcp_settings.json'),
    projectFile: '.roo/mcp.json',
    container: ['mcpServers'],
    transport: 'url',
    entry: (target) =>
      urlOrCommand(target, (t) => ({ type: 'streamable-http', url: t.url, ...withHeaders(t.headers) })),
    envReference: dollarEnv,
  },
  {
    id: 'continue',
    name: 'Continue',
    format: yamlFormat,
    formatName: 'yaml',
    userFile: (p) => inHome(p, '.continue', 'config.yaml'),
    container: ['mcpServers'],
    list: true,
    transport: 'url',
    entry: (target, name) =>
      urlOrCommand(target, (t) => ({
        name,
        type: 'streamable-http',
        url: t.url,
        ...(Object.keys(t.headers).length === 0 ? {} : { requestOptions: { headers: { ...t.headers } } }),
      })),
  },
  {
    id: 'zed',
    name: 'Zed',
    format: jsonFormat,
    formatName: 'jsonc',
    userFile: (p) =>
      p.platform === 'win32'
        ? win32.join(p.appData, 'Zed', 'settings.json')
        : join(p.home, '.config', 'zed', 'settings.json'),
    projectFile: '.zed/settings.json',
    container: ['context_servers'],
    transport: 'url',
    entry: plainUrl,
    binaries: ['zed', 'zeditor'],
  },
  {
    id: 'goose',
    name: 'Goose',
    format: yamlFormat,
    formatName: 'yaml',
    userFile: (p) =>
      p.platform === 'win32'
        ? win32.join(p.appData, 'Block', 'goose', 'config', 'config.yaml')
        : join(p.home, '.config', 'goose', 'config.yaml'),
    container: ['extensions'],
    transport: 'url',
    entry: (target, name) =>
      target.kind === 'url'
        ? {
            name,
            type: 'streamable_http',
            uri: target.url,
            enabled: true,
            timeout: 300,
            ...withHeaders(target.headers),
          }
        : { name, type: 'stdio', cmd: target.command, args: [...target.args], enabled: true, timeout: 300 },
    binaries: ['goose'],
  },
  {
    id: 'gemini-cli',
    name: 'Gemini CLI',
    format: jsonFormat,
    formatName: 'json',
    userFile: (p) => inHome(p, '.gemini', 'settings.json'),
    projectFile: '.gemini/settings.json',
    container: ['mcpServers'],
    transport: 'url',
    entry: (target) => urlOrCommand(target, (t) => ({ httpUrl: t.url, ...withHeaders(t.headers) })),
    binaries: ['gemini'],
    envReference: dollarBraces,
  },
  {
    id: 'codex',
    name: 'Codex CLI',
    format: tomlFormat,
    formatName: 'toml',
    userFile: (p) => inHome(p, '.codex', 'config.toml'),
    container: ['mcp_servers'],
    transport: 'url',
    entry: (target) =>
      urlOrCommand(target, (t) => ({ url: t.url, ...withHeaders(t.headers, 'http_headers') })),
    binaries: ['codex'],
  },
  {
    id: 'lm-studio',
    name: 'LM Studio',
    format: jsonFormat,
    formatName: 'json',
    userFile: (p) => inHome(p, '.lmstudio', 'mcp.json'),
    container: ['mcpServers'],
    transport: 'url',
    entry: plainUrl,
    binaries: ['lms'],
  },
  {
    id: 'kiro',
    name: 'Kiro',
    format: jsonFormat,
    formatName: 'json',
    userFile: (p) => inHome(p, '.kiro', 'settings', 'mcp.json'),
    projectFile: '.kiro/settings/mcp.json',
    container: ['mcpServers'],
    transport: 'url',
    entry: plainUrl,
    binaries: ['kiro'],
  },
  {
    id: 'opencode',
    name: 'opencode',
    format: jsonFormat,
    formatName: 'jsonc',
    userFile: (p) =>
      p.platform === 'win32'
        ? win32.join(p.home, '.config', 'opencode', 'opencode.json')
        : join(p.xdgConfig, 'opencode', 'opencode.json'),
    projectFile: 'opencode.json',
    container: ['mcp'],
    transport: 'url',
    entry: (target) =>
      target.kind === 'url'
        ? { type: 'remote', url: target.url, enabled: true, ...withHeaders(target.headers) }
        : { type: 'local', command: [target.command, ...target.args], enabled: true },
    binaries: ['opencode'],
    envReference: (variable) => `{env:${variable}}`,
  },
  {
    id: 'amp',
    name: 'Amp',
    format: jsonFormat,
    formatName: 'jsonc',
    userFile: (p) =>
      p.platform === 'win32'
        ? win32.join(p.appData, 'amp', 'settings.json')
        : join(p.xdgConfig, 'amp', 'settings.json'),
    projectFile: '.amp/settings.json',
    container: ['amp.mcpServers'],
    transport: 'url',
    entry: plainUrl,
    binaries: ['amp'],
  },
  {
    id: 'junie',
    name: 'JetBrains Junie',
    format: jsonFormat,
    formatName: 'json',
    userFile: (p) => inHome(p, '.junie', 'mcp', 'mcp.json'),
    projectFile: '.junie/mcp/mcp.json',
    container: ['mcpServers'],
    transport: 'stdio',
    entry: commandOnly,
  },
  {
    id: 'jetbrains-copilot',
    name: 'GitHub Copilot for JetBrains IDEs',
    format: jsonFormat,
    formatName: 'json',
    userFile: (p) =>
      p.platform === 'win32'
        ? win32.join(p.home, 'AppData', 'Local', 'github-copilot', 'intellij', 'mcp.json')
        : join(p.home, '.config', 'github-copilot', 'intellij', 'mcp.json'),
    container: ['servers'],
    transport: 'url',
    entry: typedHttp,
  },
  {
    id: 'visual-studio',
    name: 'Visual Studio',
    format: jsonFormat,
    formatName: 'json',
    userFile: (p) => (p.platform === 'win32' ? win32.join(p.home, '.mcp.json') : undefined),
    projectFile: '.mcp.json',
    container: ['servers'],
    transport: 'url',
    entry: typedHttp,
  },
  {
    id: 'amazon-q',
    name: 'Amazon Q Developer CLI',
    format: jsonFormat,
    formatName: 'json',
    userFile: (p) => inHome(p, '.aws', 'amazonq', 'mcp.json'),
    projectFile: '.amazonq/mcp.json',
    container: ['mcpServers'],
    transport: 'stdio',
    entry: commandOnly,
    binaries: ['q'],
  },
];

export function clientSpec(id: string): ClientSpec | undefined {
  return CLIENT_CATALOG.find((client) => client.id === id);
}
