import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import tailwindcss from '@tailwindcss/vite';
import { defineConfig } from 'vite';

const packages = fileURLToPath(new URL('..', import.meta.url));

// One build for both faces: the browser dashboard (served by `mcpman up` at /) and the Podman
// Desktop webview (the extension rewrites the asset URLs). Relative asset paths work in both.
export default defineConfig({
  base: './',
  plugins: [svelte(), tailwindcss()],
  resolve: {
    alias: [
      // The sibling packages' sources: the form validates with core's own zod schema.
      { find: '@mcpman/core/config-schema', replacement: `${packages}core/src/config/browser.ts` },
      { find: '@mcpman/shared/contract', replacement: `${packages}shared/src/contract/index.ts` },
      { find: '@mcpman/shared', replacement: `${packages}shared/src/index.ts` },
    ],
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
  },
});
