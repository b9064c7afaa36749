import { copyFile, mkdir, mkdtemp, readdir, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import type { EngineClient } from '../engine/engine-client.js';
import { canonicalJson, fileDigest, MCPError, MCPErrorCode, sha256 } from '@mcpman/protocol';
import { LABEL } from '../runtime/labels.js';
import type { ResolvedImage } from '../runtime/container-spec.js';
import { VERSION } from '../version.js';
import { sharedLibraries } from './ldd.js';
import type { ImageProgress } from './progress.js';
import { repoSafe } from './repo-name.js';

/** Where the mcpman payload lives in every image that carries it. */
export const MCPMAN_ROOT = '/opt/mcpman';
const RUNTIME_LIB = `${MCPMAN_ROOT}/runtime/lib`;
/** Bump when the image layout below changes, so images are rebuilt. */
const MCPMAN_IMAGE_FORMAT = '1';
export const MCPMAN_IMAGE_REPO = 'localhost/mcpman/mcpman';

/**
 * The command line that runs mcpman inside an image carrying the payload. Node runs through the
 * dynamic loader we ship, with our own libraries: it needs nothing from the image around it, so
 * the same payload works in a scratch image (the gateway) and inside any server's image (the
 * stdio bridge), whatever its distribution, and the server's own processes are not affected
 * (`--library-path` is the loader's argument, not an environment variable children inherit).
 */
export function mcpmanCommand(args: readonly string[]): string[] {
  return [
    `${RUNTIME_LIB}/ld.so`,
    '--library-path',
    RUNTIME_LIB,
    `${MCPMAN_ROOT}/runtime/bin/node`,
    `${MCPMAN_ROOT}/app/mcpman.mjs`,
    ...args,
  ];
}

/** One file of the payload: where it comes from and where it goes under opt/mcpman. */
interface PayloadFile {
  readonly source: string;
  readonly target: string;
}

async function listTree(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else out.push(relative(root, path));
    }
  };
  await walk(root);
  return out.sort();
}

export interface McpmanImagesOptions {
  readonly engine: EngineClient;
  /** The bundled command (packages/cli/bundle/app: mcpman.mjs and the files it reads). */
  readonly bundleDir: string;
  /** The Node binary to ship (default: the one running this). */
  readonly nodePath?: string;
  /** Where the build context is staged (default: the system temp folder). */
  readonly workDir?: string;
}

/**
 * The images a cluster runs that mcpman makes itself: the mcpman image (a scratch image with
 * Node and the bundled command: the gateway pod) and, for each stdio server, its image with the
 * same payload added (the pod runs `mcpman stdio-bridge` in front of the server's own command).
 */
export class McpmanImages {
  private readonly engine: EngineClient;
  private readonly bundleDir: string;
  private readonly nodePath: string;
  private readonly workDir: string;

  constructor(options: McpmanImagesOptions) {
    this.engine = options.engine;
    this.bundleDir = options.bundleDir;
    this.nodePath = options.nodePath ?? process.execPath;
    this.workDir = options.workDir ?? tmpdir();
  }

  /** Everything under opt/mcpman: the bundle, Node, its libraries and their loader. */
  private async payload(): Promise<PayloadFile[]> {
    if (process.platform !== 'linux') {
      throw new MCPError(
        MCPErrorCode.ImageBuildFailed,
        `the mcpman image is made on Linux only (this is ${process.platform})`,
        {
          hint: 'Build it on a Linux machine (or in a Linux VM such as the Podman machine) and push it with `mcpman images push`.',
        },
      );
    }
    const bundled = await listTree(this.bundleDir).catch((error: unknown) => {
      throw new MCPError(MCPErrorCode.ImageBuildFailed, `the mcpman bundle is missing (${this.bundleDir})`, {
        cause: error,
        hint: 'Run `npm run build`, which writes it.',
      });
    });
    if (!bundled.includes('mcpman.mjs')) {
      throw new MCPError(MCPErrorCode.ImageBuildFailed, `${this.bundleDir} has no mcpman.mjs`, {
        hint: 'Run `npm run build`, which writes it.',
      });
    }
    const node = await realpath(this.nodePath);
    const { loader, libraries } = await sharedLibraries(node);
    return [
      ...bundled.map((file) => ({ source: join(this.bundleDir, file), target: `app/${file}` })),
      { source: node, target: 'runtime/bin/node' },
      { source: loader, target: 'runtime/lib/ld.so' },
      ...libraries.map((lib) => ({ source: lib.path, target: `runtime/lib/${lib.soname}` })),
    ];
  }

  /** The mcpman image, built when no image of the same payload is there yet. */
  async mcpmanImage(onProgress?: (progress: ImageProgress) => void): Promise<{ ref: string; id: string }> {
    const files = await this.payload();
    const hash = sha256(
      canonicalJson({
        f: MCPMAN_IMAGE_FORMAT,
        files: await Promise.all(files.map(async (file) => [file.target, await fileDigest(file.source)])),
      }),
    );
    const ref = `${MCPMAN_IMAGE_REPO}:${VERSION}-${hash.slice(0, 16)}`;
    const present = await this.engine.inspectImage(ref);
    if (present !== undefined) return { ref, id: present.id };
    await mkdir(this.workDir, { recursive: true });
    const dir = await mkdtemp(join(this.workDir, 'mcpman-image-'));
    try {
      for (const file of files) {
        const target = join(dir, 'opt', file.target);
        await mkdir(dirname(target), { recursive: true });
        await copyFile(file.source, target);
      }
      await writeFile(
        join(dir, 'Containerfile'),
        [
          'FROM scratch',
          `COPY opt ${MCPMAN_ROOT}`,
          'USER 1000:1000',
          `ENV MCPMAN_STATE_DIR=/tmp/mcpman HOME=/tmp`,
          `ENTRYPOINT ${JSON.stringify(mcpmanCommand([]))}`,
          '',
        ].join('\n'),
      );
      onProgress?.({ phase: 'building', message: `building ${ref}` });
      await this.engine.buildImage({
        context: dir,
        files: ['Containerfile', 'opt'],
        containerfile: 'Containerfile',
        tag: ref,
        labels: { [LABEL.imageHash]: hash, [LABEL.source]: 'mcpman' },
        onOutput: (line) => onProgress?.({ phase: 'building', message: line }),
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const built = await this.engine.inspectImage(ref);
    if (built === undefined)
      throw new MCPError(MCPErrorCode.ImageBuildFailed, `${ref} was built but is not there`);
    return { ref, id: built.id };
  }

  /**
   * A stdio server's image with the mcpman payload added (nothing else changes: its user,
   * entrypoint and files stay), for a pod where `mcpman stdio-bridge` runs the server.
   */
  async bridgedImage(
    server: ResolvedImage,
    mcpman: { ref: string; id: string },
    onProgress?: (progress: ImageProgress) => void,
  ): Promise<string> {
    const hash = sha256(canonicalJson({ f: MCPMAN_IMAGE_FORMAT, server: server.id, mcpman: mcpman.id }));
    const repo = repoSafe(basename(server.ref.replace(/[:@][^/]*$/, ''))) || 'server';
    const ref = `localhost/mcpman/${repo}-bridged:${hash.slice(0, 16)}`;
    if ((await this.engine.inspectImage(ref)) !== undefined) return ref;
    await mkdir(this.workDir, { recursive: true });
    const dir = await mkdtemp(join(this.workDir, 'mcpman-bridged-'));
    try {
      await writeFile(
        join(dir, 'Containerfile'),
        [
          `FROM ${mcpman.ref} AS mcpman`,
          `FROM ${server.ref}`,
          `COPY --from=mcpman ${MCPMAN_ROOT}/runtime ${MCPMAN_ROOT}/runtime`,
          `COPY --from=mcpman ${MCPMAN_ROOT}/app ${MCPMAN_ROOT}/app`,
          '',
        ].join('\n'),
      );
      onProgress?.({ phase: 'building', message: `building ${ref}` });
      await this.engine.buildImage({
        context: dir,
        files: ['Containerfile'],
        containerfile: 'Containerfile',
        tag: ref,
        labels: { [LABEL.imageHash]: hash, [LABEL.source]: `bridged:${server.ref}` },
        onOutput: (line) => onProgress?.({ phase: 'building', message: line }),
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    return ref;
  }
}
