import { fileURLToPath } from 'node:url';

/** `true` in the single-file build (bundle.mjs defines it for esbuild); undeclared under tsc. */
declare const MCPMAN_BUNDLED: boolean | undefined;

/**
 * Where this mcpman is. Built by tsc it runs from packages/cli/dist with the bin shim beside it;
 * bundled (the npm package, the mcpman image) it is one file, mcpman.mjs, with its runtime files
 * in the same folder, and import.meta.url is that file.
 */
const bundled = typeof MCPMAN_BUNDLED === 'boolean' && MCPMAN_BUNDLED;

/** The script Node runs to run this mcpman again: `up --detach`, and clients' stdio bridges. */
export const SELF_ENTRY: string = fileURLToPath(
  bundled ? import.meta.url : new URL('../bin/mcpman.js', import.meta.url),
);

/** The bundled command with its runtime files, which the mcpman image carries. */
export const BUNDLE_DIR: string = fileURLToPath(
  bundled ? new URL('./', import.meta.url) : new URL('../bundle/app/', import.meta.url),
);
