// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import svelte from 'eslint-plugin-svelte';

/**
 * The package graph, one way (docs/architecture.md): shared ← protocol ← core ← {gateway (the data path),
 * integrations (catalog, clients, Kubernetes)} ← manager (control plane, composition root) ←
 * cli, extension. A package never imports one to its right, and the two siblings never each other.
 */
const PACKAGE_LAYERS = {
  'packages/shared/src/**/*.ts': [
    '@mcpman/protocol',
    '@mcpman/core',
    '@mcpman/integrations',
    '@mcpman/gateway',
    '@mcpman/manager',
    '@mcpman/cli',
  ],
  'packages/protocol/src/**/*.ts': [
    '@mcpman/core',
    '@mcpman/integrations',
    '@mcpman/gateway',
    '@mcpman/manager',
    '@mcpman/cli',
  ],
  'packages/core/src/**/*.ts': ['@mcpman/integrations', '@mcpman/gateway', '@mcpman/manager', '@mcpman/cli'],
  // The data path and the integrations are siblings: neither needs the other.
  'packages/integrations/src/**/*.ts': ['@mcpman/gateway', '@mcpman/manager', '@mcpman/cli'],
  'packages/gateway/src/**/*.ts': ['@mcpman/integrations', '@mcpman/manager', '@mcpman/cli'],
  'packages/manager/src/**/*.ts': ['@mcpman/cli'],
};

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      'coverage/**',
      'test-results/**',
      'release/**',
      '.cache/**',
      '**/generated/**',
      '**/.tsc/**',
      'packages/extension/media/**',
      'packages/cli/bundle/**',
      // Copied into a Podman Desktop checkout and built by its tool chain, not ours.
      'scripts/podman-desktop-check/workspace/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      // One program over sources, specs, tests and config files (see tsconfig.check.json).
      parserOptions: {
        project: ['./tsconfig.check.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/explicit-module-boundary-types': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'type-imports' }],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The dashboard has its own program (DOM, bundler resolution, Svelte runes).
    files: ['packages/ui/**/*.ts'],
    languageOptions: {
      parserOptions: {
        project: ['./packages/ui/tsconfig.json'],
        tsconfigRootDir: import.meta.dirname,
      },
      globals: globals.browser,
    },
  },
  ...svelte.configs['flat/recommended'],
  {
    // Rune modules (*.svelte.ts) are TypeScript with Svelte's compiler on top.
    files: ['**/*.svelte.ts'],
    languageOptions: {
      parserOptions: {
        parser: tseslint.parser,
        project: ['./packages/ui/tsconfig.json'],
        tsconfigRootDir: import.meta.dirname,
        extraFileExtensions: ['.svelte'],
      },
    },
  },
  {
    // Components: svelte-check type-checks them; lint keeps to the rules that need no types.
    files: ['**/*.svelte'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      parserOptions: {
        ...tseslint.configs.disableTypeChecked.languageOptions?.parserOptions,
        parser: tseslint.parser,
        extraFileExtensions: ['.svelte'],
      },
      globals: globals.browser,
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, globals: globals.node },
    // Plain JavaScript has no type annotations to give.
    rules: {
      ...tseslint.configs.disableTypeChecked.rules,
      '@typescript-eslint/explicit-module-boundary-types': 'off',
    },
  },
  ...Object.entries(PACKAGE_LAYERS).map(([files, above]) => ({
    files: [files],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: above.flatMap((name) => [name, `${name}/*`]),
              message: 'A package imports only packages below it (see PACKAGE_LAYERS).',
            },
          ],
        },
      ],
    },
  })),
  {
    // Inside the gateway, one way too: the pipeline never reaches into a transport, and neither
    // it nor auth into the HTTP listener's transports.
    files: ['packages/gateway/src/{pipeline,auth}/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@mcpman/manager', '@mcpman/manager/*', '@mcpman/cli'],
              message: 'A package imports only packages below it (see PACKAGE_LAYERS).',
            },
            {
              group: ['**/transports/**'],
              message: 'Transports sit in front of the pipeline and auth, not under them.',
            },
          ],
        },
      ],
    },
  },
  {
    // Loaded by Podman Desktop's CommonJS extension loader, or run before it (the host check).
    files: ['**/*.cjs'],
    languageOptions: { globals: { ...globals.node, ...globals.commonjs } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The host check's page-side code runs in Chromium.
    files: ['scripts/podman-desktop-check/host/renderer-electron-shim.mjs'],
    languageOptions: { globals: globals.browser },
  },
  {
    files: ['**/*.spec.ts', 'tests/**/*.ts'],
    rules: {
      // Tests poke at results whose shape the assertion itself checks.
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  prettier,
);
