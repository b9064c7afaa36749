import { createWriteStream, fstatSync, mkdirSync, openSync, renameSync } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { join } from 'node:path';

const DEFAULT_MAX_BYTES = 5 * 1024 * 1024;

/** `<dir>/<server>.log`, and `<server>.log.1` for the previous, rotated file. */
export function serverLogPath(dir: string, server: string): string {
  return join(dir, `${server}.log`);
}

/**
 * The log of stdio servers: their stderr, one timestamped line each. The engine does not keep
 * it, because its container log would also hold stdout, which for a stdio server is the MCP
 * traffic itself (tool results, and whatever secrets pass through them).
 */
export class ServerLogStore {
  private readonly streams = new Map<string, { stream: WriteStream; bytes: number }>();

  constructor(
    readonly dir: string,
    private readonly maxBytes = DEFAULT_MAX_BYTES,
  ) {}

  append(server: string, line: string, at: number): void {
    const entry = this.open(server);
    const text = `${new Date(at).toISOString()} ${line}\n`;
    entry.stream.write(text);
    entry.bytes += Buffer.byteLength(text);
    if (entry.bytes > this.maxBytes) this.rotate(server);
  }

  private open(server: string): { stream: WriteStream; bytes: number } {
    const existing = this.streams.get(server);
    if (existing !== undefined) return existing;
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    // Opened synchronously, so the file exists at once (rotation renames it).
    const fd = openSync(serverLogPath(this.dir, server), 'a', 0o600);
    const entry = { stream: createWriteStream('', { fd }), bytes: fstatSync(fd).size };
    this.streams.set(server, entry);
    return entry;
  }

  private rotate(server: string): void {
    const entry = this.streams.get(server);
    if (entry === undefined) return;
    entry.stream.end();
    this.streams.delete(server);
    const path = serverLogPath(this.dir, server);
    renameSync(path, `${path}.1`);
  }

  /** Flush and close every file; resolves when all is written. */
  close(): Promise<void> {
    const closing = [...this.streams.values()].map(
      ({ stream }) =>
        new Promise<void>((resolve) => {
          stream.end(resolve);
        }),
    );
    this.streams.clear();
    return Promise.all(closing).then(() => undefined);
  }
}
