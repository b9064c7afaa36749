// Builds the mcpman command as one ES module (bundle/app/mcpman.mjs) with the files our packages
// read at run time beside it: what the mcpman container image carries (a cluster's gateway pod,
// and the stdio bridge inside each stdio server's pod). See core/src/images/mcpman-image.ts.
import { cp, mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import {
  EXTERNAL_PACKAGES,
  copyExternalPackages,
  copyRuntimeFiles,
  importMetaUrlPlugin,
  sourceAliases,
} from '../../scripts/bundle-support.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const packages = join(here, '..');
const app = join(here, 'bundle/app');

await rm(join(here, 'bundle'), { recursive: true, force: true });
await build({
  entryPoints: [join(here, 'src/bin/mcpman.ts')],
  outfile: join(app, 'mcpman.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // ssh2's optional native speed-up: it falls back to JavaScript when absent.
  external: ['cpu-features', '*.node', ...EXTERNAL_PACKAGES],
  alias: sourceAliases(packages),
  // src/self.ts: this file is the command, its runtime files beside it.
  define: { MCPMAN_BUNDLED: 'true' },

  plugins: [importMetaUrlPlugin(packages)],
  // CommonJS dependencies use require() and __dirname; an ES module has neither of its own.
  banner: {
    js: [
      // The npm package's bin is this file.
      '#!/usr/bin/env node',
      "import { createRequire as __mcpmanRequire } from 'node:module';",
      'const require = __mcpmanRequire(import.meta.url);',
      'const __filename = new URL(import.meta.url).pathname;',
      "const __dirname = new URL('.', import.meta.url).pathname;",
      'const __mcpmanUrl = (p) => new URL(p, import.meta.url).href;',
    ].join('\n'),
  },
  logLevel: 'warning',
});
await copyRuntimeFiles(packages, app);
// The dashboard, where the manager looks it up (require.resolve('@mcpman/ui/package.json')).
const ui = join(app, 'node_modules/@mcpman/ui');
await mkdir(ui, { recursive: true });
await cp(join(packages, 'ui/package.json'), join(ui, 'package.json'));
await cp(join(packages, 'ui/dist'), join(ui, 'dist'), { recursive: true });
await copyExternalPackages(app);
console.log('cli: bundle/app/mcpman.mjs built');
