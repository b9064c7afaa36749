import { execFile } from 'node:child_process';
import { constants, openSync } from 'node:fs';
import { chmod, lstat, mkdir, readdir, rm } from 'node:fs/promises';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import type { AttachedStreams } from '../engine/engine-client.js';
import type { Frame } from '../engine/demux.js';

const execFileAsync = promisify(execFile);

/** Where the FIFOs are mounted inside a container; the launcher reads the path from the env var. */
export const STDIO_PIPES_TARGET = '/run/mcpman/stdio';
export const STDIO_PIPES_ENV = 'MCPMAN_STDIO_PIPES';
const NAMES = ['stdin', 'stdout'] as const;

/**
 * Makes `root/name` with two FIFOs, `stdin` and `stdout`, keeping FIFOs already there (a
 * container being started again has them bind-mounted), and returns its path. The FIFOs are
 * writable by anyone because the container's user is mapped in ways the host cannot know; `root`
 * is made private to the manager's user (0700), so on the host only we reach them. The
 * container sees only its own directory, mounted; the engine resolves the path as our user.
 */
export async function makeStdioPipes(root: string, name: string): Promise<string> {
  await mkdir(root, { recursive: true, mode: 0o700 });
  await chmod(root, 0o700);
  const dir = join(root, name);
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const missing: string[] = [];
  for (const name of NAMES) {
    const path = join(dir, name);
    const stat = await lstat(path).catch(() => undefined);
    if (stat?.isFIFO() === true) continue;
    if (stat !== undefined) await rm(path, { recursive: true, force: true });
    missing.push(path);
  }
  // Node cannot make a FIFO; coreutils' mkfifo is on every Linux host (the only place pipes are used).
  if (missing.length > 0) await execFileAsync('mkfifo', ['-m', '0666', ...missing]);
  return dir;
}

/** Removes the pipe directories under `root` whose names are not in `keep` (containers gone). */
export async function pruneStdioPipes(root: string, keep: ReadonlySet<string>): Promise<void> {
  const entries = await readdir(root).catch(() => [] as string[]);
  for (const entry of entries) {
    if (!keep.has(entry)) await rm(join(root, entry), { recursive: true, force: true });
  }
}

/**
 * The container's stdio as AttachedStreams, with stdin and stdout on the FIFOs in `dir` and
 * stderr on the engine's attach stream (`attached`, opened without stdin), whose end says the
 * container exited. Both FIFO ends are opened without blocking: stdout for reading (the
 * launcher's open for writing then returns at once), stdin for reading and writing (so the
 * open never waits for the launcher; when we close it, the server reads end-of-file as it would
 * from a closed attach stream).
 */
export function openStdioPipes(dir: string, attached: AttachedStreams): AttachedStreams {
  const stdoutFd = openSync(join(dir, 'stdout'), constants.O_RDONLY | constants.O_NONBLOCK);
  const stdinFd = openSync(join(dir, 'stdin'), constants.O_RDWR | constants.O_NONBLOCK);
  const stdout = new Socket({ fd: stdoutFd, readable: true, writable: false });
  const stdin = new Socket({ fd: stdinFd, readable: false, writable: true });
  const frames = new PassThrough({ objectMode: true });
  // Backpressure as a pipe() would: a reader that pauses (a server flooding garbage) stops the
  // FIFO being read, so the server's writes block instead of our memory growing.
  stdout.on('data', (payload: Buffer) => {
    if (!frames.write({ stream: 'stdout', payload } satisfies Frame)) stdout.pause();
  });
  frames.on('drain', () => stdout.resume());
  attached.frames.on('data', (frame: Frame) => {
    // The launcher moved stdout to the FIFO: what reaches the engine's stdout came before that
    // (or from code writing to the old descriptor) and is kept as log, never read as protocol.
    frames.write(frame.stream === 'stdout' ? { stream: 'stderr', payload: frame.payload } : frame);
  });
  let ended = false;
  const end = (error?: Error): void => {
    if (ended) return;
    ended = true;
    stdout.destroy();
    stdin.destroy();
    if (error === undefined) frames.end();
    else frames.destroy(error);
  };
  // The attach stream ends when the container has exited, so every byte its processes wrote is
  // already in the FIFO: it is read in this turn of the event loop, and the end comes after.
  attached.frames.on('end', () => setImmediate(end));
  attached.frames.on('close', () => setImmediate(end));
  attached.frames.on('error', end);
  stdout.on('error', end);
  stdin.on('error', end);
  return {
    stdin,
    frames,
    close: () => {
      attached.close();
      end();
    },
  };
}
