// Builds the extension as Podman Desktop loads it: one CommonJS bundle (dist/extension.cjs)
// with @podman-desktop/api left to the host, the files our packages read at run time laid out
// beside it, and the dashboard's build in media/.
import { cp, rm } from 'node:fs/promises';
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
const dist = join(here, 'dist');

await rm(dist, { recursive: true, force: true });
await build({
  entryPoints: [join(here, 'src/extension.ts')],
  outfile: join(dist, 'extension.cjs'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // Podman Desktop's webview server serves every file of the extension's folder: the map keeps
  // stack traces readable but carries no sources.
  sourcemap: true,
  sourcesContent: false,
  external: ['@podman-desktop/api', 'cpu-features', '*.node', ...EXTERNAL_PACKAGES],
  alias: sourceAliases(packages),
  plugins: [importMetaUrlPlugin(packages)],
  // At the top of the bundle, where `require` is still Node's own (a module may shadow it).
  banner: {
    js: "const __mcpmanUrl = (p) => require('node:url').pathToFileURL(require('node:path').join(__dirname, p)).href;",
  },
  logLevel: 'warning',
});
await copyRuntimeFiles(packages, dist);
await copyExternalPackages(dist);
await rm(join(here, 'media'), { recursive: true, force: true });
await cp(join(packages, 'ui/dist'), join(here, 'media'), { recursive: true });
console.log(`extension: dist/extension.cjs and media/ built`);
