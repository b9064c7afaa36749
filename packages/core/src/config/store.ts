import { existsSync } from 'node:fs';
import { isMap, isScalar } from 'yaml';
import type { Document } from 'yaml';
import { MCPError, MCPErrorCode, writeFileAtomic } from '@mcpman/protocol';
import { isJsonConfigPath, loadConfigFile, parseConfigText } from './loader.js';
import type { LoadedConfig } from './loader.js';
import type { MCPServerConfigInput } from './schema.js';
import { SERVER_NAME_HELP, SERVER_NAME_PATTERN } from './schema.js';

const NEW_FILE_HEADER = `# mcpman configuration: MCP servers to run in Podman, and the gateway in front of them.
# Reference: docs/configuration.md. Editors complete this file from schema/mcpman.schema.json.
`;

/**
 * Reads and edits one config file. Edits go through the YAML document so comments and layout
 * survive; every write is validated first and then written atomically, so a bad edit or a crash
 * never leaves a broken file behind.
 */
export class ConfigStore {
  readonly path: string;
  /** Serialises edits from this process; each edit re-reads the file so it builds on the latest. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(path: string) {
    this.path = path;
  }

  exists(): boolean {
    return existsSync(this.path);
  }

  load(): Promise<LoadedConfig> {
    return loadConfigFile(this.path);
  }

  /** Load, or an empty valid config when the file does not exist yet. */
  async loadOrEmpty(): Promise<LoadedConfig> {
    if (this.exists()) return this.load();
    return parseConfigText(this.emptyText(), { path: this.path });
  }

  /**
   * Apply `edit` to the document, validate the result and write it. Throws ConfigError (and
   * writes nothing) when the edited config would be invalid.
   */
  update(edit: (document: Document) => void): Promise<LoadedConfig> {
    const next = this.queue.then(() => this.applyEdit(edit));
    this.queue = next.catch(() => undefined);
    return next;
  }

  async setServer(name: string, server: MCPServerConfigInput): Promise<LoadedConfig> {
    assertServerName(name);
    return this.update((document) => {
      if (!document.has('servers') || document.get('servers') === null)
        document.set('servers', document.createNode({}));
      // A new file says `servers: {}`; its flow style would put every server on one line.
      const servers = document.get('servers', true);
      if (isMap(servers) && servers.items.length === 0) servers.flow = false;
      document.setIn(['servers', name], document.createNode(server));
    });
  }

  removeServer(name: string): Promise<LoadedConfig> {
    return this.update((document) => {
      if (!document.hasIn(['servers', name])) {
        throw new MCPError(MCPErrorCode.ServerNotFound, `no server named "${name}" in ${this.path}`, {
          hint: 'Run `mcpman ls` to see the configured servers.',
        });
      }
      document.deleteIn(['servers', name]);
      // A profile may not name a server the config does not have: the server leaves them too.
      const profiles = document.get('profiles', true);
      if (!isMap(profiles)) return;
      for (const { key } of profiles.items) {
        const profile = isScalar(key) ? key.value : key;
        if (document.hasIn(['profiles', profile, 'servers', name]))
          document.deleteIn(['profiles', profile, 'servers', name]);
      }
    });
  }

  private emptyText(): string {
    return isJsonConfigPath(this.path)
      ? `${JSON.stringify({ version: 1, servers: {} }, null, 2)}\n`
      : `${NEW_FILE_HEADER}version: 1\nservers: {}\n`;
  }

  private async applyEdit(edit: (document: Document) => void): Promise<LoadedConfig> {
    const current = await this.loadOrEmpty();
    const document = current.document.clone();
    edit(document);
    const text = isJsonConfigPath(this.path)
      ? `${JSON.stringify(document.toJS(), null, 2)}\n`
      : document.toString({ lineWidth: 0 });
    // Validate before touching the file: an invalid result throws here and nothing is written.
    const loaded = parseConfigText(text, { path: this.path });
    try {
      await writeFileAtomic(this.path, text);
    } catch (error) {
      throw new MCPError(MCPErrorCode.ConfigWrite, `could not write ${this.path}`, {
        cause: error,
        hint: 'Check that the directory exists and is writable.',
      });
    }
    return loaded;
  }
}

export function assertServerName(name: string): void {
  if (!SERVER_NAME_PATTERN.test(name)) {
    throw new MCPError(MCPErrorCode.ConfigInvalid, `"${name}" is not a valid server name`, {
      hint: `Use ${SERVER_NAME_HELP}.`,
    });
  }
}
