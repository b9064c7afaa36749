// Builds the extension as Podman Desktop loads it: one CommonJS bundle (dist/extension.cjs)
// with @podman-desktop/api left to the host, the files our packages read at run time laid out
// beside it, and the dashboard's build in media/.
import { cp, mkdir, readFile, rm } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const packages = join(here, '..');
const dist = join(here, 'dist');

/**
 * Our ESM sources find files next to themselves with `import.meta.url` (core's launcher and
 * version, the gateway's .proto). In the bundle each module gets the URL it would have in its
 * package's own dist/, re-rooted under dist/<package>/, where those files are copied.
 */
const importMetaUrl = {
  name: 'import-meta-url',
  setup(context) {
    context.onLoad({ filter: /packages\/(core|gateway|shared)\/src\/.*\.ts$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!source.includes('import.meta.url')) return undefined;
      const mirrored = relative(packages, args.path).replace('/src/', '/dist/').replace(/\.ts$/, '.js');
      return {
        contents: source.replaceAll('import.meta.url', `__mcpmanUrl(${JSON.stringify(mirrored)})`),
        loader: 'ts',
      };
    });
  },
};

await rm(dist, { recursive: true, force: true });
await build({
  entryPoints: [join(here, 'src/extension.ts')],
  outfile: join(dist, 'extension.cjs'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: true,
  external: ['@podman-desktop/api', 'cpu-features', '*.node'],
  // The sibling packages' sources, as the tests use them (no stale dist/).
  alias: {
    '@mcpman/core': join(packages, 'core/src/index.ts'),
    '@mcpman/gateway': join(packages, 'gateway/src/index.ts'),
    '@mcpman/shared': join(packages, 'shared/src/index.ts'),
    '@mcpman/shared/contract': join(packages, 'shared/src/contract/index.ts'),
  },
  plugins: [importMetaUrl],
  // At the top of the bundle, where `require` is still Node's own (a module may shadow it).
  banner: {
    js: "const __mcpmanUrl = (p) => require('node:url').pathToFileURL(require('node:path').join(__dirname, p)).href;",
  },
  logLevel: 'warning',
});
await mkdir(join(dist, 'core'), { recursive: true });
await cp(join(packages, 'core/assets'), join(dist, 'core/assets'), { recursive: true });
await cp(join(packages, 'core/package.json'), join(dist, 'core/package.json'));
await cp(join(packages, 'gateway/proto'), join(dist, 'gateway/proto'), { recursive: true });
await rm(join(here, 'media'), { recursive: true, force: true });
await cp(join(packages, 'ui/dist'), join(here, 'media'), { recursive: true });
console.log(`extension: dist/extension.cjs and media/ built`);
