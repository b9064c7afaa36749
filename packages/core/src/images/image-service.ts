import { copyFile, mkdir, mkdtemp, readdir, readFile, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerSource } from '../config/source.js';
import { canonicalJson, MCPError, MCPErrorCode, sha256 } from '@mcpman/protocol';
import type { EngineClient } from '../engine/engine-client.js';
import { LABEL } from '../runtime/labels.js';
import type { ImageProgress } from './progress.js';
import type { ResolvedImage } from '../runtime/container-spec.js';
import {
  EXACT_VERSION,
  binInImage,
  resolveNpmVersion,
  stageNpmPackage,
  viewNpmOnHost,
} from './npm-staging.js';
import {
  engineInstallContainerfile,
  finalStage,
  hostCaBundle,
  hostHasNpm,
  npmNetworkEnv,
  viewInContainer,
} from './engine-npm.js';
import type { NpmManifest } from './engine-npm.js';
import {
  PYTHON_BIN,
  PYTHON_LIB,
  buildPythonBase,
  copyWheelLibraries,
  nativeExtensions,
  pythonBaseTag,
} from './python-base.js';
import { chooseConsoleScript, hostPython, installPypi, resolvePypi } from './python-packages.js';
import type { HostPython, PypiResolution } from './python-packages.js';
import { repoSafe } from './repo-name.js';

export const NODE_LTS_IMAGE = 'docker.io/library/node:22-bookworm-slim';
/** The image set-up builds from the host's Node runtime when no registry is reachable. */
export const LOCAL_BASE_IMAGE = `localhost/mcpman-node-base:${process.versions.node}`;
const LAUNCHER = fileURLToPath(new URL('../../assets/launch.mjs', import.meta.url));
const PY_LAUNCHER = fileURLToPath(new URL('../../assets/launch.py', import.meta.url));
/** Bump when the pypi:// Containerfile below changes. */
const PYPI_IMAGE_FORMAT = '1';
/** Bump when the Containerfile below changes, so images are rebuilt. */
const NPX_IMAGE_FORMAT = '1';

export interface ImageServiceOptions {
  readonly engine: EngineClient;
  /** Where npm packages are staged (one folder per package version). */
  readonly cacheDir: string;
  /** Base for npx:// images; default: Node LTS if present, else the local base, else pull Node LTS. */
  readonly baseImage?: string;
  /**
   * Where npx:// packages are installed: `host` (npm on this machine, then copied in), `engine`
   * (npm in a build container of the base image), or `auto` (default): host when npm is on the
   * PATH, else engine. Both give the same image tag for the same inputs.
   */
  /**
   * Where `npm install` of npx:// packages runs: in a build stage on the engine (the default), or
   * with this machine's npm (`host`: faster caches, but `--ignore-scripts` has known gaps, such
   * as git dependencies' `prepare`, so a package's dependency tree is trusted with the host).
   */
  readonly npmInstall?: NpmInstall;
  /** The environment npm proxy and CA settings are read from (default: this process's). */
  readonly env?: NodeJS.ProcessEnv;
}

export type NpmInstall = 'engine' | 'host';

/**
 * Turns a server's source into an image the engine has, building or pulling only when the
 * tagged result of the same inputs is not there yet.
 */
export class ImageService {
  private readonly engine: EngineClient;
  private readonly cacheDir: string;
  private configuredBase: string | undefined;
  private npmInstall: NpmInstall;
  private readonly env: NodeJS.ProcessEnv;
  /** One build per tag at a time, shared by servers with the same source. */
  private readonly inFlight = new Map<string, Promise<ResolvedImage>>();
  /**
   * pip's answer for a pinned pypi:// package, kept for this process: a restart reuses the image
   * it has instead of asking the index again (an unpinned `latest` is asked each time).
   */
  private readonly pypiResolved = new Map<string, Promise<PypiResolution>>();
  /** This machine's Python and its base image's tag (see hostPythonOnce). */
  private python: Promise<{ python: HostPython; baseTag: string }> | undefined;

  constructor(options: ImageServiceOptions) {
    this.engine = options.engine;
    this.cacheDir = options.cacheDir;
    this.configuredBase = options.baseImage;
    this.npmInstall = options.npmInstall ?? 'engine';
    this.env = options.env ?? process.env;
  }

  /** `images.npmInstall` of the config applied last. */
  setNpmInstall(mode: NpmInstall): void {
    this.npmInstall = mode;
  }

  async resolve(
    source: ServerSource,
    configDir: string,
    onProgress?: (progress: ImageProgress) => void,
  ): Promise<ResolvedImage> {
    switch (source.type) {
      case 'image':
        return this.fromImage(source.ref, source.pull, onProgress);
      case 'npx':
        return this.fromNpx(source.package, source.version, source.bin, onProgress);
      case 'pypi':
        return this.fromPypi(source, onProgress);
      case 'build':
        return this.fromBuild(
          isAbsolute(source.context) ? source.context : resolve(configDir, source.context),
          source.containerfile,
          source.buildArgs,
          onProgress,
        );
      case 'remote':
        throw new MCPError(MCPErrorCode.Internal, `${source.url} is a url: server: it has no image`);
    }
  }

  private once(tag: string, make: () => Promise<ResolvedImage>): Promise<ResolvedImage> {
    const existing = this.inFlight.get(tag);
    if (existing !== undefined) return existing;
    const promise = make().finally(() => this.inFlight.delete(tag));
    this.inFlight.set(tag, promise);
    return promise;
  }

  private async describe(ref: string, launcher: ResolvedImage['launcher']): Promise<ResolvedImage> {
    const image = await this.engine.inspectImage(ref);
    if (image === undefined) throw new MCPError(MCPErrorCode.ImageNotFound, `image ${ref} is not present`);
    return { id: image.id, ref, launcher, entrypoint: image.entrypoint, cmd: image.cmd };
  }

  private async fromImage(
    ref: string,
    pull: 'missing' | 'always' | 'never',
    onProgress?: (progress: ImageProgress) => void,
  ): Promise<ResolvedImage> {
    const present = await this.engine.inspectImage(ref);
    if (pull === 'never' && present === undefined) {
      throw new MCPError(MCPErrorCode.ImageNotFound, `image ${ref} is not present and pull is never`, {
        hint: `Build or load it first (podman build -t ${ref} …), or set pull: missing.`,
      });
    }
    if (pull === 'always' || present === undefined) {
      await this.engine.pullImage(ref, (event) => {
        onProgress?.({
          phase: 'pulling',
          message: event.id === undefined ? event.status : `${event.id}: ${event.status}`,
          current: event.current,
          total: event.total,
        });
      });
    }
    return this.describe(ref, 'none');
  }

  /**
   * Use `ref` (the config's `images.base`) as the base of npx images from now on, or the
   * default when undefined. Says whether it changed, since npx images built on the old base
   * are then out of date.
   */
  setBaseImage(ref: string | undefined): boolean {
    const changed = ref !== this.configuredBase;
    this.configuredBase = ref;
    return changed;
  }

  /** The base for npx images, pulled if nothing local will do. */
  async baseImage(onProgress?: (progress: ImageProgress) => void): Promise<string> {
    if (this.configuredBase !== undefined) {
      return (await this.fromImage(this.configuredBase, 'missing', onProgress)).ref;
    }
    if ((await this.engine.inspectImage(NODE_LTS_IMAGE)) !== undefined) return NODE_LTS_IMAGE;
    if ((await this.engine.inspectImage(LOCAL_BASE_IMAGE)) !== undefined) return LOCAL_BASE_IMAGE;
    try {
      return (await this.fromImage(NODE_LTS_IMAGE, 'missing', onProgress)).ref;
    } catch (error) {
      throw new MCPError(
        MCPErrorCode.ImageNotFound,
        `no Node base image: ${NODE_LTS_IMAGE} cannot be pulled and ${LOCAL_BASE_IMAGE} is missing`,
        {
          cause: error,
          hint: "Run `npm run setup`, which builds a local base image from this machine's Node when no registry is reachable, or set images.base.",
        },
      );
    }
  }

  private async fromNpx(
    pkg: string,
    version: string,
    bin: string | undefined,
    onProgress?: (progress: ImageProgress) => void,
  ): Promise<ResolvedImage> {
    const npmHere = hostHasNpm(this.env);
    if (this.npmInstall === 'host' && !npmHere)
      throw new MCPError(
        MCPErrorCode.PackageInstallFailed,
        'images.npmInstall is host, but npm is not on the PATH',
        {
          hint: 'Install npm, or leave images.npmInstall at engine (npm runs in a build container).',
        },
      );
    const base = await this.baseImage(onProgress);
    // The registry is asked with this machine's npm when it has one (metadata only), else from
    // a container; an exact version needs no asking.
    const view = (wanted: string): Promise<NpmManifest> =>
      npmHere ? viewNpmOnHost(pkg, wanted) : viewInContainer(this.engine, base, pkg, wanted, this.env);
    let viewed: NpmManifest | undefined;
    let exact: string;
    if (EXACT_VERSION.test(version)) exact = version;
    else if (npmHere) exact = await resolveNpmVersion(pkg, version);
    else {
      onProgress?.({ phase: 'installing', message: `npm view ${pkg}@${version} (in a container)` });
      viewed = await view(version);
      exact = viewed.version;
    }
    const tag = await this.npxTag(pkg, exact, bin, base);
    return this.once(tag.ref, async () => {
      if ((await this.engine.inspectImage(tag.ref)) !== undefined) return this.describe(tag.ref, 'node');
      // Installing runs packages' code paths (git dependencies' prepare, npm's own gaps around
      // --ignore-scripts): on the engine by default, where none of it reaches this machine.
      if (this.npmInstall === 'host') await this.buildNpxOnHost(pkg, exact, bin, base, tag, onProgress);
      else await this.buildNpxOnEngine(pkg, viewed ?? (await view(exact)), bin, base, tag, onProgress);
      return this.describe(tag.ref, 'node');
    });
  }

  /** The tag of an npx:// image: a hash of everything that goes into it, whichever path builds it. */
  private async npxTag(
    pkg: string,
    exact: string,
    bin: string | undefined,
    base: string,
  ): Promise<{ ref: string; hash: string }> {
    const baseInfo = await this.engine.inspectImage(base);
    const launcher = await readFile(LAUNCHER, 'utf8');
    const hash = sha256(
      canonicalJson({
        f: NPX_IMAGE_FORMAT,
        pkg,
        exact,
        bin: bin ?? null,
        base: baseInfo?.id ?? base,
        launcher,
      }),
    );
    return { ref: `localhost/mcpman/npx-${repoSafe(pkg)}:${hash.slice(0, 16)}`, hash };
  }

  /** npm on this machine installs the package; the image copies node_modules in. */
  private async buildNpxOnHost(
    pkg: string,
    exact: string,
    bin: string | undefined,
    base: string,
    tag: { ref: string; hash: string },
    onProgress?: (progress: ImageProgress) => void,
  ): Promise<void> {
    onProgress?.({ phase: 'installing', message: `npm install ${pkg}@${exact}` });
    const staged = await stageNpmPackage(
      // Staged by a version that checked the tree (see checkRegistryOnly).
      join(this.cacheDir, 'npx-registry-only', `${repoSafe(pkg)}-${exact}`),
      pkg,
      exact,
      bin,
    );
    await copyFile(LAUNCHER, join(staged.dir, 'launch.mjs'));
    await writeFile(
      join(staged.dir, 'Containerfile'),
      [`FROM ${base}`, 'COPY node_modules /app/node_modules', ...finalStage(staged.binInImage)].join('\n'),
    );
    onProgress?.({ phase: 'building', message: `building ${tag.ref}` });
    await this.engine.buildImage({
      context: staged.dir,
      files: ['Containerfile', 'launch.mjs', 'node_modules'],
      containerfile: 'Containerfile',
      tag: tag.ref,
      labels: { [LABEL.imageHash]: tag.hash, [LABEL.source]: `npx://${pkg}@${exact}` },
      onOutput: (line) => onProgress?.({ phase: 'building', message: line }),
    });
  }

  /** No npm here: a build stage of the base image runs `npm install` where the engine is. */
  private async buildNpxOnEngine(
    pkg: string,
    manifest: NpmManifest,
    bin: string | undefined,
    base: string,
    tag: { ref: string; hash: string },
    onProgress?: (progress: ImageProgress) => void,
  ): Promise<void> {
    await mkdir(join(this.cacheDir, 'npx-engine'), { recursive: true });
    const dir = await mkdtemp(join(this.cacheDir, 'npx-engine', `${repoSafe(pkg)}-`));
    try {
      const ca = hostCaBundle(this.env);
      await writeFile(
        join(dir, 'package.json'),
        JSON.stringify(
          { name: 'mcpman-stage', private: true, dependencies: { [pkg]: manifest.version } },
          null,
          2,
        ),
      );
      if (ca !== undefined) await writeFile(join(dir, 'ca.pem'), ca);
      await copyFile(LAUNCHER, join(dir, 'launch.mjs'));
      await writeFile(
        join(dir, 'Containerfile'),
        engineInstallContainerfile(base, binInImage(manifest, bin), ca !== undefined),
      );
      onProgress?.({
        phase: 'building',
        message: `building ${tag.ref} (npm install ${pkg}@${manifest.version} on the engine)`,
      });
      await this.engine.buildImage({
        context: dir,
        files: ['Containerfile', 'launch.mjs', 'package.json', ...(ca === undefined ? [] : ['ca.pem'])],
        containerfile: 'Containerfile',
        tag: tag.ref,
        buildArgs: npmNetworkEnv(this.env),
        labels: { [LABEL.imageHash]: tag.hash, [LABEL.source]: `npx://${pkg}@${manifest.version}` },
        onOutput: (line) => onProgress?.({ phase: 'building', message: line }),
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /**
   * This machine's Python and its base image's tag, found once per service: the tag hashes the
   * interpreter binary, which a restart need not read again.
   */
  private hostPythonOnce(): Promise<{ python: HostPython; baseTag: string }> {
    if (this.python === undefined) {
      const found = (async () => {
        const python = await hostPython(this.env);
        return { python, baseTag: await pythonBaseTag(python) };
      })();
      // A Python installed later is found on the next try.
      found.catch(() => {
        if (this.python === found) this.python = undefined;
      });
      this.python = found;
    }
    return this.python;
  }

  /** The Python base for pypi:// images, built from this machine's interpreter once. */
  private async pythonBase(
    python: HostPython,
    tag: string,
    onProgress?: (progress: ImageProgress) => void,
  ): Promise<string> {
    await this.once(tag, async () => {
      if ((await this.engine.inspectImage(tag)) === undefined)
        await buildPythonBase(this.engine, python, tag, join(this.cacheDir, 'python-base'), onProgress);
      return this.describe(tag, 'none');
    });
    return tag;
  }

  /**
   * pip on this machine resolves and installs the package into a plain folder; the image copies
   * it onto the Python base with our launcher. The tag hashes the whole resolved set of
   * distributions, so a new release of a dependency gives a new image, not a stale one.
   */
  private async fromPypi(
    source: Extract<ServerSource, { type: 'pypi' }>,
    onProgress?: (progress: ImageProgress) => void,
  ): Promise<ResolvedImage> {
    const { python, baseTag } = await this.hostPythonOnce();
    const pip = { python, env: this.env, ...(source.index === undefined ? {} : { index: source.index }) };
    const key = `${source.package}@${source.version} ${source.index ?? ''}`;
    let resolving = this.pypiResolved.get(key);
    if (resolving === undefined) {
      onProgress?.({ phase: 'installing', message: `pip resolving ${source.package}@${source.version}` });
      resolving = resolvePypi(source.package, source.version, pip);
      if (source.version !== 'latest') this.pypiResolved.set(key, resolving);
      resolving.catch(() => this.pypiResolved.delete(key));
    }
    const resolved = await resolving;
    const base = await this.pythonBase(python, baseTag, onProgress);
    const baseId = (await this.engine.inspectImage(base))?.id ?? base;
    const hash = sha256(
      canonicalJson({
        f: PYPI_IMAGE_FORMAT,
        pkg: source.package,
        closure: resolved.closure,
        bin: source.bin ?? null,
        base: baseId,
        launcher: await readFile(PY_LAUNCHER, 'utf8'),
      }),
    );
    const ref = `localhost/mcpman/pypi-${repoSafe(source.package)}:${hash.slice(0, 16)}`;
    return this.once(ref, async () => {
      if ((await this.engine.inspectImage(ref)) !== undefined) return this.describe(ref, 'python');
      await mkdir(join(this.cacheDir, 'pypi'), { recursive: true });
      const dir = await mkdtemp(join(this.cacheDir, 'pypi', `${repoSafe(source.package)}-`));
      try {
        onProgress?.({ phase: 'installing', message: `pip install ${source.package}==${resolved.version}` });
        await installPypi(source.package, resolved.version, join(dir, 'site'), pip);
        const script = await chooseConsoleScript(join(dir, 'site'), source.package, source.bin);
        // Wheels expect the system libraries manylinux allows (libgcc_s, libstdc++, …) on the
        // machine; the scratch base has only the interpreter's, so theirs come along here.
        const site = await realpath(join(dir, 'site'));
        await copyWheelLibraries(await nativeExtensions(site), join(dir, 'lib'), site);
        await copyFile(PY_LAUNCHER, join(dir, 'launch.py'));
        await writeFile(
          join(dir, 'Containerfile'),
          [
            `FROM ${base}`,
            'COPY site /app/site',
            'COPY launch.py /opt/mcpman/launch.py',
            'COPY lib /app/lib',
            `ENV PYTHONPATH=/app/site LD_LIBRARY_PATH=${PYTHON_LIB}:/app/lib`,
            'USER 1000:1000',
            `ENTRYPOINT ${JSON.stringify([PYTHON_BIN, '/opt/mcpman/launch.py', source.package, script])}`,
            '',
          ].join('\n'),
        );
        onProgress?.({ phase: 'building', message: `building ${ref}` });
        await this.engine.buildImage({
          context: dir,
          files: ['Containerfile', 'launch.py', 'lib', 'site'],
          containerfile: 'Containerfile',
          tag: ref,
          labels: { [LABEL.imageHash]: hash, [LABEL.source]: `pypi://${source.package}@${resolved.version}` },
          onOutput: (line) => onProgress?.({ phase: 'building', message: line }),
        });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
      return this.describe(ref, 'python');
    });
  }

  private async fromBuild(
    context: string,
    containerfile: string,
    buildArgs: Readonly<Record<string, string>>,
    onProgress?: (progress: ImageProgress) => void,
  ): Promise<ResolvedImage> {
    const files = await listFiles(context).catch((error: unknown) => {
      throw new MCPError(MCPErrorCode.ImageBuildFailed, `cannot read build context ${context}`, {
        cause: error,
        hint: 'build: paths are relative to the config file.',
      });
    });
    if (!files.includes(containerfile)) {
      throw new MCPError(MCPErrorCode.ImageBuildFailed, `${containerfile} not found in ${context}`, {
        hint: 'Add one, or name it with source: {build: <dir>, containerfile: <file>}.',
      });
    }
    const digest = sha256(
      canonicalJson({
        buildArgs,
        containerfile,
        files: await Promise.all(
          files.map(async (file) => [file, sha256((await readFile(join(context, file))).toString('base64'))]),
        ),
      }),
    );
    const tag = `localhost/mcpman/build-${repoSafe(basename(context)) || 'context'}:${digest.slice(0, 16)}`;
    return this.once(tag, async () => {
      if ((await this.engine.inspectImage(tag)) !== undefined) return this.describe(tag, 'none');
      onProgress?.({ phase: 'building', message: `building ${tag} from ${context}` });
      const top = [...new Set(files.map((file) => file.split('/')[0] ?? file))];
      await this.engine.buildImage({
        context,
        files: top,
        containerfile,
        tag,
        buildArgs,
        labels: { [LABEL.imageHash]: digest, [LABEL.source]: `build:${context}` },
        onOutput: (line) => onProgress?.({ phase: 'building', message: line }),
      });
      return this.describe(tag, 'none');
    });
  }
}

/** Every regular file under `root`, relative, sorted; version-control folders left out. */
async function listFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (entry.name === '.git') continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile() || (await stat(path)).isFile()) out.push(relative(root, path));
    }
  };
  await walk(root);
  return out.sort();
}
