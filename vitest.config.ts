import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));

// Tests run against the TypeScript sources of sibling packages, not their build output,
// so a unit test never sees a stale dist/.
const alias = [
  { find: /^@mcpman\/shared\/contract$/, replacement: `${root}packages/shared/src/contract/index.ts` },
  { find: /^@mcpman\/core\/config-schema$/, replacement: `${root}packages/core/src/config/browser.ts` },
  { find: /^@mcpman\/gateway\/testing$/, replacement: `${root}packages/gateway/src/testing/index.ts` },
  {
    find: /^@mcpman\/(protocol|core|integrations|gateway|manager|shared)$/,
    replacement: `${root}packages/$1/src/index.ts`,
  },
  // The extension's host API exists only inside Podman Desktop: tests use a mock of its types.
  {
    find: /^@podman-desktop\/api$/,
    replacement: `${root}packages/extension/src/test/podman-desktop-api.mock.ts`,
  },
];

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.spec.ts'],
          environment: 'node',
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'integration',
          include: ['tests/**/*.spec.ts'],
          environment: 'node',
          // Podman-backed tests share one engine and its ports: run files one at a time.
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
