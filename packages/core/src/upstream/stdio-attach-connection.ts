import { once } from 'node:events';
import { StringDecoder } from 'node:string_decoder';
import { LineBudget, MCPError, MCPErrorCode } from '@mcpman/protocol';
import type { JsonRpcMessage, UpstreamConnection } from '@mcpman/protocol';
import type { AttachedStreams } from '../engine/engine-client.js';
import { LineSplitter } from '../engine/demux.js';
import type { Frame } from '../engine/demux.js';

/** Lines of stdout that are not JSON reported per second; the rest are counted. */
const NOISE_LINES_PER_SECOND = 5;
/**
 * Bytes of non-JSON stdout read per second before reading pauses for the rest of the second.
 * The pause reaches the container through the socket (its writes block), so a server that
 * floods garbage slows only itself and costs the manager a bounded share of a core.
 */
const NOISE_BYTES_PER_SECOND = 1024 * 1024;

export interface StdioAttachOptions {
  readonly description: string;
  /** Each line the server writes to stderr (its log). */
  readonly onStderr?: (line: string) => void;
  /** Longest stdout line accepted; longer ones are dropped as garbage (default 16 MiB). */
  readonly maxLineBytes?: number;
}

/**
 * Newline-delimited JSON-RPC over a container's attached stdin/stdout; stderr lines go to the
 * server's log. Output that is not JSON is reported, never parsed into the protocol.
 */
export class StdioAttachConnection implements UpstreamConnection {
  readonly kind = 'stdio' as const;
  readonly description: string;
  onmessage?: (message: JsonRpcMessage) => void;
  onclose?: (reason: Error | undefined) => void;
  onerror?: (error: Error) => void;
  private readonly stdout: LineSplitter;
  private readonly stderr = new LineSplitter(64 * 1024);
  // Chunks can end inside a multi-byte character: decoders keep the partial bytes for the next.
  private readonly stdoutText = new StringDecoder('utf8');
  private readonly stderrText = new StringDecoder('utf8');
  private closed = false;
  private queued: string[] = [];
  private flushScheduled = false;
  private drained: Promise<void> | undefined;
  // A server that floods stdout with garbage is reported, not allowed to flood our logs.
  private noiseBytes = 0;
  private noiseWindowStart = 0;
  private readonly noise = new LineBudget(NOISE_LINES_PER_SECOND, 1000, (count, windowMs) => {
    this.onerror?.(
      new MCPError(
        MCPErrorCode.UpstreamProtocol,
        `${this.description} wrote ${count} more lines that are not JSON in ${windowMs / 1000} s (not shown)`,
      ),
    );
  });

  constructor(
    private readonly streams: AttachedStreams,
    private readonly options: StdioAttachOptions,
  ) {
    this.description = options.description;
    this.stdout = new LineSplitter(options.maxLineBytes ?? 16 * 1024 * 1024);
  }

  start(): Promise<void> {
    this.streams.frames.on('data', (frame: Frame) => {
      if (frame.stream === 'stdout') this.onStdout(this.stdoutText.write(frame.payload));
      else if (frame.stream === 'stderr')
        for (const line of this.stderr.push(this.stderrText.write(frame.payload)))
          this.options.onStderr?.(line);
    });
    this.streams.frames.on('end', () => {
      this.finish(undefined);
    });
    this.streams.frames.on('close', () => {
      this.finish(undefined);
    });
    this.streams.frames.on('error', (error: Error) => {
      this.finish(error);
    });
    return Promise.resolve();
  }

  private onStdout(text: string): void {
    for (const line of this.stdout.push(text)) {
      if (line.trim() === '') continue;
      const message = parseLine(line);
      if (message === undefined) {
        this.throttleNoise(line.length);
        if (this.noise.take())
          this.onerror?.(
            new MCPError(
              MCPErrorCode.UpstreamProtocol,
              `${this.description} wrote a line that is not JSON: ${line.slice(0, 200)}`,
            ),
          );
        continue;
      }
      this.onmessage?.(message as JsonRpcMessage);
    }
  }

  private throttleNoise(bytes: number): void {
    const now = Date.now();
    if (now - this.noiseWindowStart >= 1000) {
      this.noiseWindowStart = now;
      this.noiseBytes = 0;
    }
    this.noiseBytes += bytes;
    if (this.noiseBytes < NOISE_BYTES_PER_SECOND || this.streams.frames.isPaused()) return;
    this.streams.frames.pause();
    const resume = setTimeout(
      () => {
        if (!this.closed) this.streams.frames.resume();
      },
      Math.max(1, 1000 - (now - this.noiseWindowStart)),
    );
    resume.unref();
  }

  /**
   * Messages sent in one turn of the event loop go out in one write: under load, many client
   * requests arrive per turn, and each write to the engine's attach socket is a system call.
   */
  async send(message: JsonRpcMessage): Promise<void> {
    if (this.closed) throw new MCPError(MCPErrorCode.UpstreamClosed, `${this.description} is closed`);
    this.queued.push(`${JSON.stringify(message)}\n`);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flush);
    }
    // Respect backpressure: a server that reads slowly slows its senders instead of filling memory.
    if (this.drained !== undefined) await this.drained;
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    if (this.closed || this.queued.length === 0) return;
    const text = this.queued.length === 1 ? (this.queued[0] ?? '') : this.queued.join('');
    this.queued = [];
    const stdin = this.streams.stdin;
    if (!stdin.write(text) && this.drained === undefined) {
      this.drained = once(stdin as NodeJS.EventEmitter, 'drain').then(
        () => {
          this.drained = undefined;
        },
        () => {
          this.drained = undefined;
        },
      );
    }
  };

  close(): Promise<void> {
    this.streams.close();
    this.finish(undefined);
    return Promise.resolve();
  }

  private finish(reason: Error | undefined): void {
    if (this.closed) return;
    this.closed = true;
    this.noise.flush();
    const rest = this.stderr.end();
    if (rest !== undefined) this.options.onStderr?.(rest);
    this.onclose?.(reason);
  }
}

/** JSON-RPC messages are objects or batches: anything else is not tried as JSON (cheap on floods). */
function parseLine(line: string): unknown {
  // Scan to the first non-blank character instead of trimming: this runs on every message.
  let i = 0;
  while (i < line.length && (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9)) i += 1;
  const first = line.charCodeAt(i);
  if (first !== 123 /* { */ && first !== 91 /* [ */) return undefined;
  try {
    return JSON.parse(line) as unknown;
  } catch {
    return undefined;
  }
}
