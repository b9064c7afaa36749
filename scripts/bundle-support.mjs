// What the two bundles of our packages share (the Podman Desktop extension's and the mcpman
// image's): our sources as the tests use them, and the files they find next to themselves.
import { cp, mkdir, readFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The sibling packages' sources (no stale dist/). */
export function sourceAliases(packages) {
  return {
    '@mcpman/protocol': join(packages, 'protocol/src/index.ts'),
    '@mcpman/core': join(packages, 'core/src/index.ts'),
    '@mcpman/integrations': join(packages, 'integrations/src/index.ts'),
    '@mcpman/gateway': join(packages, 'gateway/src/index.ts'),
    '@mcpman/manager': join(packages, 'manager/src/index.ts'),
    '@mcpman/shared': join(packages, 'shared/src/index.ts'),
    '@mcpman/shared/contract': join(packages, 'shared/src/contract/index.ts'),
  };
}

/**
 * Our ESM sources find files next to themselves with `import.meta.url` (core's launcher and
 * version, the gateway's .proto). In a bundle each module gets the URL it would have in its
 * package's own dist/, re-rooted under the bundle's folder, where `copyRuntimeFiles` puts them.
 * `urlOf` is the name of a function the bundle's banner defines.
 */
export function importMetaUrlPlugin(packages, urlOf = '__mcpmanUrl') {
  return {
    name: 'import-meta-url',
    setup(context) {
      context.onLoad(
        { filter: /packages\/(protocol|core|integrations|gateway|manager|shared)\/src\/.*\.ts$/ },
        async (args) => {
          const source = await readFile(args.path, 'utf8');
          if (!source.includes('import.meta.url')) return undefined;
          const mirrored = relative(packages, args.path).replace('/src/', '/dist/').replace(/\.ts$/, '.js');
          return {
            contents: source.replaceAll('import.meta.url', `${urlOf}(${JSON.stringify(mirrored)})`),
            loader: 'ts',
          };
        },
      );
    },
  };
}

/** The files the bundled modules read at run time, laid out as `importMetaUrlPlugin` expects. */
export async function copyRuntimeFiles(packages, dist) {
  await mkdir(join(dist, 'core'), { recursive: true });
  await cp(join(packages, 'core/assets'), join(dist, 'core/assets'), { recursive: true });
  await cp(join(packages, 'core/package.json'), join(dist, 'core/package.json'));
  await cp(join(packages, 'integrations/assets'), join(dist, 'integrations/assets'), { recursive: true });
  await cp(join(packages, 'gateway/proto'), join(dist, 'gateway/proto'), { recursive: true });
}

/**
 * Packages a bundle cannot carry inside itself, so they go beside it in node_modules/:
 * jsonc-parser's UMD build (its "main") requires its parts at run time, and toml_edit's module
 * awaits at the top level (no CommonJS bundle can hold it) and loads its WebAssembly from next
 * to itself. Neither has dependencies of its own.
 */
export const EXTERNAL_PACKAGES = ['jsonc-parser', '@rainbowatcher/toml-edit-js'];

export async function copyExternalPackages(dist) {
  for (const name of EXTERNAL_PACKAGES) {
    let dir = dirname(fileURLToPath(import.meta.resolve(name)));
    while (!dir.endsWith(join('node_modules', name))) dir = dirname(dir);
    await cp(dir, join(dist, 'node_modules', name), { recursive: true });
  }
}
