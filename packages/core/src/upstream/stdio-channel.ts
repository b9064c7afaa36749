import { hostname, release } from 'node:os';
import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import type { ContainerCreateSpec, SpecMount } from '../engine/create-spec.js';
import type { AttachedStreams, EngineClient } from '../engine/engine-client.js';
import { STDIO_PIPES_TARGET, makeStdioPipes, openStdioPipes, pruneStdioPipes } from './stdio-pipes.js';

export const STDIO_MODES = ['auto', 'attach', 'pipes'] as const;
export type StdioMode = (typeof STDIO_MODES)[number];

/**
 * How a stdio server's stdin/stdout reach the manager. `attach`: through the engine's attach
 * stream (Podman's service and conmon relay every message). `pipes`: through two FIFOs on the
 * host, bind-mounted into the container, which the image's launcher makes its stdin and stdout;
 * the engine's attach stream still carries stderr and the exit. Pipes need the engine on this
 * machine (one kernel): a Podman machine VM cannot share a FIFO with its host.
 */
export interface StdioChannel {
  readonly kind: 'attach' | 'pipes';
  /** Root directory of the FIFO directories (pipes only), handed to buildContainerSpec. */
  readonly pipesRoot: string | undefined;
  /** Makes what `spec`'s container needs before it is created or started. */
  prepare(spec: ContainerCreateSpec): Promise<ContainerCreateSpec>;
  /**
   * The stdio of the container made from `spec` (as `prepare` returned it), opened before it
   * starts so no output is lost.
   */
  open(engine: EngineClient, containerId: string, spec: ContainerCreateSpec): Promise<AttachedStreams>;
  /** The container `containerName` is gone: remove what `prepare` made. */
  release(containerName: string): Promise<void>;
  /** Remove what was made for containers not in `names` (left by an earlier manager). */
  prune(names: ReadonlySet<string>): Promise<void>;
}

const isPipesMount = (mount: SpecMount): boolean => mount.destination === STDIO_PIPES_TARGET;

export const attachChannel: StdioChannel = {
  kind: 'attach',
  pipesRoot: undefined,
  prepare: (spec) => Promise.resolve(spec),
  open: (engine, containerId) => engine.attachContainer(containerId),
  release: () => Promise.resolve(),
  prune: () => Promise.resolve(),
};

export function pipesChannel(root: string): StdioChannel {
  const dirOf = (name: string): string => join(root, name);
  return {
    kind: 'pipes',
    pipesRoot: root,
    async prepare(spec) {
      const mount = spec.mounts.find(isPipesMount);
      if (mount === undefined) return spec;
      const dir = await makeStdioPipes(root, spec.name);
      // The FIFOs belong to one container: a session container renamed from the server's spec
      // gets its own directory.
      return {
        ...spec,
        mounts: spec.mounts.map((m) => (m === mount ? { ...m, source: dir } : m)),
      };
    },
    async open(engine, containerId, spec) {
      // `prepare` made the FIFOs in the mount's source.
      const dir = spec.mounts.find(isPipesMount)?.source;
      if (dir === undefined) return engine.attachContainer(containerId);
      const attached = await engine.attachContainer(containerId, { stdin: false });
      try {
        return openStdioPipes(dir, attached);
      } catch (error) {
        attached.close();
        throw error;
      }
    },
    // Only ever a directory of its own under root (never root itself or anything above it).
    release: async (name) => {
      if (name === '' || name.includes('/') || name === '.' || name === '..') return;
      await rm(dirOf(name), { recursive: true, force: true });
    },
    prune: (names) => pruneStdioPipes(root, names),
  };
}

/**
 * `auto`: pipes when the engine runs on this machine's kernel (Linux, same host name and kernel
 * release as the engine reports) and FIFOs can be made in `root`, otherwise attach.
 */
export async function chooseStdioChannel(
  engine: EngineClient,
  mode: StdioMode,
  root: string,
): Promise<StdioChannel> {
  if (mode === 'attach') return attachChannel;
  if (mode === 'pipes') return pipesChannel(root);
  if (process.platform !== 'linux') return attachChannel;
  const host = await engine.hostInfo().catch(() => undefined);
  if (host?.hostname !== hostname() || host.kernel !== release()) return attachChannel;
  return (await canMakePipes(root)) ? pipesChannel(root) : attachChannel;
}

/** A FIFO made and removed in `root` (no `mkfifo`, a read-only state dir: attach it is). */
async function canMakePipes(root: string): Promise<boolean> {
  const probe = `.probe-${process.pid}`;
  try {
    await makeStdioPipes(root, probe);
    return true;
  } catch {
    return false;
  } finally {
    await rm(join(root, probe), { recursive: true, force: true }).catch(() => undefined);
  }
}
