import { mkdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { createStream } from 'rotating-file-stream';
import type { RotatingFileStream } from 'rotating-file-stream';
import { defaultStateDir } from '@mcpman/protocol';
import type { Redactor } from '@mcpman/protocol';
import type { GatewayConfig } from '@mcpman/core';

type AuditConfig = GatewayConfig['audit'];

/** One audited action: who did what to which target, when, how it ended and how long it took. */
export interface AuditEntry {
  /** Identity name (`token:ci`, `oauth:alice`, `cert:host`, `anonymous`, `local`). */
  readonly who: string;
  readonly via: string;
  /** `tools/call`, or a management action such as `server.restart`, `token.create`. */
  readonly action: string;
  readonly target?: string;
  readonly outcome: 'ok' | 'error' | 'denied' | 'rate-limited';
  readonly error?: string;
  readonly durationMs: number;
  readonly arguments?: unknown;
}

export function defaultAuditFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(defaultStateDir(env), 'audit.log');
}

/** How long a line may wait for others before it is written, and how much may wait. */
const BATCH_MS = 20;
const BATCH_BYTES = 64 * 1024;

/**
 * Lines reach the file in batches: one fs write per tool call was a tenth of the gateway's CPU
 * at c=16 in a profile (each is a thread-pool hop and a system call). A line waits at most
 * BATCH_MS; `flush` (pino's `logger.flush`, and `close`) writes what is pending at once.
 */
class BatchedLines {
  private pending: string[] = [];
  private bytes = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly target: RotatingFileStream) {}

  write(line: string): boolean {
    this.pending.push(line);
    this.bytes += line.length;
    if (this.bytes >= BATCH_BYTES) this.flush();
    else this.timer ??= setTimeout(this.drain, BATCH_MS);
    return true;
  }

  flush(done?: (error?: Error) => void): void {
    this.drain();
    done?.();
  }

  private readonly drain = (): void => {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const text = this.pending.join('');
    this.pending = [];
    this.bytes = 0;
    this.target.write(text);
  };
}

/**
 * pino's `isoTime` builds a Date and an ISO string for every line (3 µs a tool call in a
 * profile); the second's prefix changes once a second, so only the milliseconds are new.
 */
function isoTimeBySecond(): () => string {
  let second = -1;
  let prefix = '';
  return () => {
    const now = Date.now();
    const current = Math.floor(now / 1000);
    if (current !== second) {
      second = current;
      prefix = new Date(current * 1000).toISOString().slice(0, 20);
    }
    return `,"time":"${prefix}${String(now % 1000).padStart(3, '0')}Z"`;
  };
}

/**
 * The audit trail: one JSON line per tool call and management action, written by pino to a
 * size-rotated file (rotating-file-stream keeps `keep` old files). Tool arguments are left out
 * unless `gateway.audit.arguments` is on, and secret values are redacted from every line.
 * Lines are written in batches at most 20 ms apart (see BatchedLines).
 */
export class AuditLog {
  private readonly stream: RotatingFileStream;
  private readonly lines: BatchedLines;
  private readonly logger: Logger;

  constructor(
    private readonly config: AuditConfig,
    private readonly redactor: Redactor,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    const file = config.file ?? defaultAuditFile(env);
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    this.stream = createStream(basename(file), {
      path: dirname(file),
      size: `${Math.max(1, Math.ceil(config.maxSize / 1024))}K`,
      maxFiles: config.keep,
      mode: 0o600,
    });
    this.lines = new BatchedLines(this.stream);
    this.logger = pino(
      {
        base: undefined,
        timestamp: isoTimeBySecond(),
        // pino writes a level on every line; the audit log has one kind of line.
        formatters: { level: () => ({ log: 'audit' }) },
      },
      this.lines,
    );
  }

  get includesArguments(): boolean {
    return this.config.arguments;
  }

  record(entry: AuditEntry): void {
    // Built field by field: this runs on every tool call, and spreads cost more.
    const line: Record<string, unknown> = { who: entry.who, via: entry.via, action: entry.action };
    if (entry.target !== undefined) line['target'] = entry.target;
    line['outcome'] = entry.outcome;
    if (entry.error !== undefined) line['error'] = this.redactor.redact(entry.error);
    line['durationMs'] = entry.durationMs;
    if (this.config.arguments && entry.arguments !== undefined)
      line['arguments'] = this.redactor.redactValue(entry.arguments);
    this.logger.info(line);
  }

  /** Flush and close the file. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.logger.flush(() => {
        this.lines.flush();
        this.stream.end(() => {
          resolve();
        });
      });
    });
  }
}
