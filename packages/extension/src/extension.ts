import type { ExtensionContext } from '@podman-desktop/api';
import { McpManagerExtension } from './mcp-manager-extension.js';

let extension: McpManagerExtension | undefined;

/** Podman Desktop calls this once the extension loads. */
export async function activate(context: ExtensionContext): Promise<void> {
  extension = new McpManagerExtension(context);
  await extension.activate();
}

/** And this when it unloads: the gateway stops, the servers stay as configured. */
export async function deactivate(): Promise<void> {
  await extension?.deactivate();
  extension = undefined;
}
