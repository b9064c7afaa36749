import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';

export type StreamKind = 'stdin' | 'stdout' | 'stderr';

export interface Frame {
  readonly stream: StreamKind;
  readonly payload: Buffer;
}

const KINDS: Readonly<Record<number, StreamKind>> = { 0: 'stdin', 1: 'stdout', 2: 'stderr' };
const HEADER = 8;

/**
 * Splits the engine's multiplexed stream (attach and logs without a TTY) into frames: each is an
 * 8-byte header (stream type, 3 zero bytes, big-endian payload length) and the payload. Frames
 * may arrive split across or merged within chunks; this keeps the remainder between chunks.
 */
export class FrameDemuxer extends Transform {
  private pending: Buffer = Buffer.alloc(0);

  constructor() {
    super({ readableObjectMode: true });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    let offset = 0;
    while (this.pending.length - offset >= HEADER) {
      const kind = KINDS[this.pending.readUInt8(offset)];
      const size = this.pending.readUInt32BE(offset + 4);
      if (kind === undefined) {
        callback(
          new Error(`not a multiplexed engine stream (stream type byte ${this.pending.readUInt8(offset)})`),
        );
        return;
      }
      if (this.pending.length - offset - HEADER < size) break;
      const start = offset + HEADER;
      this.push({ stream: kind, payload: this.pending.subarray(start, start + size) } satisfies Frame);
      offset = start + size;
    }
    this.pending = offset === 0 ? this.pending : this.pending.subarray(offset);
    callback();
  }

  override _flush(callback: TransformCallback): void {
    if (this.pending.length > 0) {
      callback(new Error(`engine stream ended inside a frame (${this.pending.length} bytes left)`));
      return;
    }
    callback();
  }
}

/** Splits text into lines across chunk boundaries; yields complete lines without the newline. */
export class LineSplitter {
  private rest = '';
  /** Lines longer than this are cut, so a server that never writes a newline cannot grow memory. */
  constructor(private readonly maxLineBytes = 16 * 1024 * 1024) {}

  push(text: string): string[] {
    const combined = this.rest + text;
    const parts = combined.split('\n');
    this.rest = parts.pop() ?? '';
    if (this.rest.length > this.maxLineBytes) {
      parts.push(this.rest);
      this.rest = '';
    }
    return parts.map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
  }

  /** Whatever is left when the stream ends. */
  end(): string | undefined {
    const rest = this.rest;
    this.rest = '';
    return rest === '' ? undefined : rest;
  }
}
