import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as z from 'zod';
import { MCPError, MCPErrorCode } from '@mcpman/protocol';

const run = promisify(execFile);

export const EXACT_VERSION = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

const PackageJson = z.object({
  name: z.string(),
  version: z.string(),
  bin: z.union([z.string(), z.record(z.string(), z.string())]).optional(),
});

function npmFailure(what: string, error: unknown): MCPError {
  const stderr = (error as { stderr?: unknown }).stderr;
  const detail =
    typeof stderr === 'string' && stderr.trim() !== ''
      ? stderr.trim().split('\n').slice(-5).join('\n')
      : String(error);
  return new MCPError(MCPErrorCode.PackageInstallFailed, `${what}: ${detail}`, {
    cause: error,
    hint: 'Check the package name and version, and that the npm registry is reachable from this machine.',
  });
}

/** An exact version for a version, range or dist-tag (asks the registry unless already exact). */
export async function resolveNpmVersion(pkg: string, version: string): Promise<string> {
  if (EXACT_VERSION.test(version)) return version;
  try {
    const { stdout } = await run('npm', ['view', `${pkg}@${version}`, 'version', '--json'], {
      timeout: 60_000,
    });
    const parsed: unknown = JSON.parse(stdout);
    const versions = z.union([z.string(), z.array(z.string())]).parse(parsed);
    const exact = Array.isArray(versions) ? versions[versions.length - 1] : versions;
    if (exact === undefined) throw new Error('no version matches');
    return exact;
  } catch (error) {
    throw npmFailure(`resolving ${pkg}@${version}`, error);
  }
}

/**
 * `npm view` of one exact version on this machine: what the registry says of it (name, version,
 * bins). Metadata only: nothing of the package is fetched or run.
 */
export async function viewNpmOnHost(pkg: string, version: string): Promise<z.infer<typeof PackageJson>> {
  try {
    const { stdout } = await run('npm', ['view', `${pkg}@${version}`, 'name', 'version', 'bin', '--json'], {
      timeout: 60_000,
    });
    return PackageJson.parse(JSON.parse(stdout));
  } catch (error) {
    throw npmFailure(`looking up ${pkg}@${version}`, error);
  }
}

const LockFile = z.object({
  packages: z.record(z.string(), z.object({ resolved: z.string().optional(), link: z.boolean().optional() })),
});

/**
 * Refuse a resolved tree with anything but registry tarballs: `file:` and link dependencies
 * (a folder of this machine), git ones (cloned, with their own scripts and `.npmrc`).
 */
export function checkRegistryOnly(lock: unknown, pkg: string): void {
  const parsed = LockFile.safeParse(lock);
  if (!parsed.success)
    throw new MCPError(
      MCPErrorCode.PackageInstallFailed,
      `npm wrote a lockfile mcpman cannot read for ${pkg}`,
    );
  const foreign = Object.entries(parsed.data.packages)
    .filter(([path]) => path !== '')
    // A registry package may have no `resolved` (npm's omit-lockfile-registry-resolved); what
    // is not from a registry always says where it comes from.
    .filter(
      ([, entry]) =>
        entry.link === true ||
        (entry.resolved !== undefined && !/^https?:\/\/[^/]+\/.+\.tgz$/.test(entry.resolved)),
    )
    .map(
      ([path, entry]) =>
        `${path.replace(/^.*node_modules\//, '')} (${entry.link === true ? 'a link' : (entry.resolved ?? '')})`,
    );
  if (foreign.length === 0) return;
  throw new MCPError(
    MCPErrorCode.PackageInstallFailed,
    `${pkg} depends on packages that do not come from a registry: ${foreign.slice(0, 5).join(', ')}`,
    {
      hint: 'npm on this machine installs registry packages only; leave images.npmInstall at engine, or run the server from an image: or build: source.',
    },
  );
}

export interface StagedPackage {
  readonly dir: string;
  /** Path of the bin inside the image (under /app/node_modules). */
  readonly binInImage: string;
}

/** Which bin to run: the one asked for, the only one, or the one named after the package. */
export function chooseBin(pkg: z.infer<typeof PackageJson>, wanted: string | undefined): string {
  const bins =
    typeof pkg.bin === 'string' ? { [pkg.name.split('/').pop() ?? pkg.name]: pkg.bin } : (pkg.bin ?? {});
  const names = Object.keys(bins);
  const pick = wanted ?? (names.length === 1 ? names[0] : names.find((n) => n === pkg.name.split('/').pop()));
  const path = pick === undefined ? undefined : bins[pick];
  if (path === undefined) {
    throw new MCPError(
      MCPErrorCode.ImageBuildFailed,
      names.length === 0
        ? `${pkg.name}@${pkg.version} has no bin to run`
        : `${pkg.name}@${pkg.version} has several bins (${names.join(', ')}); choose one`,
      {
        hint:
          names.length === 0
            ? 'Use an image: or build: source for it.'
            : 'Set source: {npx: <spec>, bin: <name>}.',
      },
    );
  }
  return path;
}

/**
 * Install `pkg@version` (exact) with its production dependencies into `dir`, without running
 * install scripts: the package is run in a container later, but installing happens on the host.
 */
export async function stageNpmPackage(
  dir: string,
  pkg: string,
  version: string,
  bin: string | undefined,
): Promise<StagedPackage> {
  const partial = `${dir}.partial`;
  const manifestPath = (root: string): string => join(root, 'node_modules', pkg, 'package.json');
  if (!existsSync(manifestPath(dir))) {
    await rm(partial, { recursive: true, force: true });
    await mkdir(partial, { recursive: true });
    await writeFile(
      join(partial, 'package.json'),
      JSON.stringify({ name: 'mcpman-stage', private: true, dependencies: { [pkg]: version } }, null, 2),
    );
    const npm = (args: readonly string[]): Promise<unknown> =>
      run('npm', [...args, '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], {
        cwd: partial,
        timeout: 10 * 60_000,
        maxBuffer: 16 * 1024 * 1024,
      });
    try {
      // The whole tree is resolved first and checked: only registry tarballs are installed, so
      // a dependency can neither link a folder of this machine (`file:`) nor be cloned (`git+`).
      await npm(['install', '--package-lock-only', '--omit=dev']);
      checkRegistryOnly(JSON.parse(await readFile(join(partial, 'package-lock.json'), 'utf8')), pkg);
      await npm(['ci', '--omit=dev']);
    } catch (error) {
      await rm(partial, { recursive: true, force: true });
      if (error instanceof MCPError) throw error;
      throw npmFailure(`installing ${pkg}@${version}`, error);
    }
    // Rename last, so a half-finished install is never taken for a finished one.
    await rm(dir, { recursive: true, force: true });
    await rename(partial, dir);
  }
  const manifest = PackageJson.parse(JSON.parse(await readFile(manifestPath(dir), 'utf8')));
  return { dir, binInImage: binInImage(manifest, bin) };
}

/** Where the bin to run is inside an npx:// image (its node_modules are at /app/node_modules). */
export function binInImage(manifest: z.infer<typeof PackageJson>, bin: string | undefined): string {
  const binPath = chooseBin(manifest, bin).replace(/^\.\//, '');
  return `/app/node_modules/${manifest.name}/${binPath}`;
}
