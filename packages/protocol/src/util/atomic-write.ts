import { randomBytes } from 'node:crypto';
import { open, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface AtomicWriteOptions {
  /** File mode for a new file; an existing file keeps its own mode unless `enforceMode`. */
  readonly mode?: number;
  /** Use `mode` even where the file exists (a file about to hold a credential). */
  readonly enforceMode?: boolean;
}

/**
 * Replace `path` with `data` so that a reader (or a crash) sees either the old file or the new
 * one, never half of either: write a temporary file beside it, fsync, rename over, fsync the
 * directory.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let mode = options.mode ?? 0o644;
  if (options.enforceMode !== true) {
    try {
      mode = (await stat(path)).mode & 0o7777;
    } catch {
      // New file: keep the requested mode.
    }
  }
  const handle = await open(temp, 'wx', mode);
  // The umask may have taken bits away; it must never leave more than was asked for.
  if (options.enforceMode === true) await handle.chmod(mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await handle.close();
  try {
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  // The rename is durable only once the directory entry is on disk.
  const dirHandle = await open(dir, 'r').catch(() => undefined);
  if (dirHandle !== undefined) {
    await dirHandle.sync().catch(() => undefined);
    await dirHandle.close();
  }
}
