// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import svelte from 'eslint-plugin-svelte';

/** The gateway's data path (pipeline, transports, auth, …) never imports the control plane. */
const NO_CONTROL_PLANE = {
  group: ['**/control/**'],
  message: 'The data path must not depend on the control plane.',
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
  {
    // The gateway's layers, one way: the data path (pipeline, then transports and auth in front
    // of it) never reaches into the control plane, and the pipeline never into a transport.
    files: ['packages/gateway/src/{pipeline,transports,auth,limits,audit,metrics,tracing,http,tls}/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [NO_CONTROL_PLANE],
        },
      ],
    },
  },
  {
    files: ['packages/gateway/src/{pipeline,auth}/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            NO_CONTROL_PLANE,
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
