import { mkdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { createStream } from 'rotating-file-stream';
import type { RotatingFileStream } from 'rotating-file-stream';
import { defaultStateDir } from '@mcpman/core';
import type { Redactor } from '@mcpman/core';
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

/**
 * The audit trail: one JSON line per tool call and management action, written by pino to a
 * size-rotated file (rotating-file-stream keeps `keep` old files). Tool arguments are left out
 * unless `gateway.audit.arguments` is on, and secret values are redacted from every line.
 */
export class AuditLog {
  private readonly stream: RotatingFileStream;
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
    this.logger = pino(
      {
        base: undefined,
        timestamp: pino.stdTimeFunctions.isoTime,
        // pino writes a level on every line; the audit log has one kind of line.
        formatters: { level: () => ({ log: 'audit' }) },
      },
      this.stream,
    );
  }

  get includesArguments(): boolean {
    return this.config.arguments;
  }

  record(entry: AuditEntry): void {
    const { arguments: args, ...rest } = entry;
    const line = {
      ...rest,
      ...(this.config.arguments && args !== undefined ? { arguments: this.redactor.redactValue(args) } : {}),
      ...(entry.error === undefined ? {} : { error: this.redactor.redact(entry.error) }),
    };
    this.logger.info(line);
  }

  /** Flush and close the file. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.logger.flush(() => {
        this.stream.end(() => {
          resolve();
        });
      });
    });
  }
}
