#!/usr/bin/env node
// `npm run release [-- --out DIR] [--skip-build]`: the artifacts of one version, in release/:
//   mcpman-<v>.tgz                                the CLI as one self-contained npm package
//   mcpman-<v>.cdx.json                           its CycloneDX SBOM (npm sbom)
//   mcpman-podman-desktop-extension-<v>.oci.tar   the extension image, as an oci-archive
//   mcpman-podman-desktop-extension-<v>.cdx.json  its CycloneDX SBOM (npm sbom)
//   SHA256SUMS                                    `sha256sum -c SHA256SUMS` checks them
// The version is the root package.json's; it refuses to build when a package says otherwise.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BUNDLE = join(ROOT, 'packages/cli/bundle/app');
const EXTENSION = join(ROOT, 'packages/extension');
const IMAGE_REPOSITORY = 'localhost/mcpman/podman-desktop-extension';

const readJson = async (path) => JSON.parse(await readFile(path, 'utf8'));

function run(command, args, options = {}) {
  return execFileSync(command, args, {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'inherit'],
    ...options,
  });
}

/** The root version, after checking that every workspace (and what they pin of each other) agrees. */
async function oneVersion() {
  const root = await readJson(join(ROOT, 'package.json'));
  const wrong = [];
  for (const workspace of root.workspaces) {
    const manifest = await readJson(join(ROOT, workspace, 'package.json'));
    if (manifest.version !== root.version) wrong.push(`${workspace}/package.json has ${manifest.version}`);
    for (const [name, range] of Object.entries(manifest.dependencies ?? {}))
      if (name.startsWith('@mcpman/') && range !== root.version)
        wrong.push(`${workspace}/package.json depends on ${name}@${range}`);
  }
  if (wrong.length > 0)
    throw new Error(
      `package.json says ${root.version}, but ${wrong.join('; ')} (set every version to the root's)`,
    );
  return root.version;
}

/** The bundle's folder as an npm package: mcpman.mjs is the bin, what it cannot inline bundled. */
async function npmPackage(version, out) {
  const stage = await mkdtemp(join(tmpdir(), 'mcpman-release-'));
  try {
    await cp(BUNDLE, stage, { recursive: true });
    const bundled = [];
    for (const entry of await readdir(join(stage, 'node_modules'))) {
      const names = entry.startsWith('@')
        ? (await readdir(join(stage, 'node_modules', entry))).map((name) => `${entry}/${name}`)
        : [entry];
      bundled.push(...names);
    }
    const dependencies = {};
    for (const name of bundled.sort())
      dependencies[name] = (await readJson(join(stage, 'node_modules', name, 'package.json'))).version;
    const cli = await readJson(join(ROOT, 'packages/cli/package.json'));
    await writeFile(
      join(stage, 'package.json'),
      `${JSON.stringify(
        {
          name: 'mcpman',
          version,
          description: 'Run Model Context Protocol servers as hardened Podman containers behind one gateway.',
          keywords: ['mcp', 'model-context-protocol', 'podman', 'gateway', 'containers'],
          license: cli.license,
          type: 'module',
          engines: cli.engines,
          os: ['linux', 'darwin', 'win32'],
          bin: { mcpman: 'mcpman.mjs' },
          // Beside the bundle, not in it (scripts/bundle-support.mjs says why); shipped inside
          // the tarball so installing fetches nothing.
          dependencies,
          bundleDependencies: Object.keys(dependencies),
        },
        null,
        2,
      )}\n`,
    );
    await cp(join(ROOT, 'packages/cli/README.md'), join(stage, 'README.md'));
    await cp(join(ROOT, 'LICENSE'), join(stage, 'LICENSE'));
    await cp(join(ROOT, 'CHANGELOG.md'), join(stage, 'CHANGELOG.md'));
    const [packed] = JSON.parse(
      run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', out], { cwd: stage }),
    );
    return join(out, packed.filename);
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}

/**
 * npm's own SBOM of a workspace's production tree (what esbuild bundles into the artifact),
 * described as the artifact it ships in.
 */
async function sbom(workspace, component, path) {
  const document = JSON.parse(
    run('npm', ['sbom', '--sbom-format', 'cyclonedx', '--omit', 'dev', '--workspace', workspace]),
  );
  document.metadata.component = { 'bom-ref': component.purl, ...component };
  await writeFile(path, `${JSON.stringify(document, null, 2)}\n`);
  return path;
}

/** The extension image, built with the release's version, saved as an oci-archive. */
function extensionImage(version, out) {
  const tag = `${IMAGE_REPOSITORY}:${version}`;
  run('podman', [
    'build',
    '--quiet',
    '--build-arg',
    `VERSION=${version}`,
    '-t',
    tag,
    '-f',
    join(EXTENSION, 'Containerfile'),
    EXTENSION,
  ]);
  const archive = join(out, `mcpman-podman-desktop-extension-${version}.oci.tar`);
  run('podman', ['save', '--format', 'oci-archive', '-o', archive, tag]);
  return { archive, tag };
}

async function sha256sums(files, out) {
  const lines = [];
  for (const file of files) {
    const digest = createHash('sha256')
      .update(await readFile(file))
      .digest('hex');
    lines.push(`${digest}  ${basename(file)}`);
  }
  const path = join(out, 'SHA256SUMS');
  await writeFile(path, `${lines.join('\n')}\n`);
  return path;
}

async function main() {
  const { values } = parseArgs({
    options: {
      out: { type: 'string', default: 'release' },
      'skip-build': { type: 'boolean', default: false },
    },
  });
  const out = resolve(ROOT, values.out);
  const version = await oneVersion();
  if (!values['skip-build']) run('npm', ['run', 'build'], { stdio: 'inherit' });
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });

  const tarball = await npmPackage(version, out);
  const cliSbom = await sbom(
    'packages/cli',
    { type: 'application', name: 'mcpman', version, purl: `pkg:npm/mcpman@${version}` },
    join(out, `mcpman-${version}.cdx.json`),
  );
  const image = extensionImage(version, out);
  const imageSbom = await sbom(
    'packages/extension',
    {
      type: 'container',
      name: 'podman-desktop-extension',
      version,
      purl: `pkg:oci/podman-desktop-extension@${version}?repository_url=${encodeURIComponent(IMAGE_REPOSITORY)}`,
    },
    join(out, `mcpman-podman-desktop-extension-${version}.cdx.json`),
  );
  const sums = await sha256sums([tarball, cliSbom, image.archive, imageSbom], out);
  for (const file of [tarball, cliSbom, image.archive, imageSbom, sums]) console.log(`release: ${file}`);
  console.log(`release: ${version}; the extension image is also tagged ${image.tag}`);
}

main().catch((error) => {
  console.error(`release: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
