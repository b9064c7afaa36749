import type { ExtensionContext } from '@podman-desktop/api';
import { McpManagerExtension } from './mcp-manager-extension.js';

let extension: McpManagerExtension | undefined;

/**
 * Podman Desktop calls this once the extension loads. It returns at once: starting the manager
 * goes on in the background (see McpManagerExtension.activate). `discover` is for tests.
 */
export async function activate(
  context: ExtensionContext,
  discover?: () => Promise<string | undefined>,
): Promise<void> {
  extension = new McpManagerExtension(context, discover);
  await extension.activate();
}

/** Resolves once the manager's latest start or stop is through (tests wait on it). */
export function settled(): Promise<void> {
  return extension?.settled() ?? Promise.resolve();
}

/** And this when it unloads: the gateway stops, the servers stay as configured. */
export async function deactivate(): Promise<void> {
  await extension?.deactivate();
  extension = undefined;
}
