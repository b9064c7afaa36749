import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { pino } from 'pino';
import pretty from 'pino-pretty';
import type { DestinationStream, Level, Logger, StreamEntry } from 'pino';
import { secretRedactor } from '@mcpman/protocol';
import type { Redactor } from '@mcpman/protocol';
import type { LogComponent, LoggerLevel } from './levels.js';

export interface LoggingSettings {
  readonly level: LoggerLevel;
  readonly components: Readonly<Partial<Record<LogComponent, LoggerLevel>>>;
  /** Per server: its output lines and MCP log messages (`component: server`). */
  readonly servers: Readonly<Record<string, LoggerLevel>>;
  readonly format: 'auto' | 'json' | 'pretty';
}

export interface LogServiceOptions {
  readonly settings: LoggingSettings;
  /** JSON lines go here (the manager's log file); none: no file. */
  readonly file?: string | undefined;
  /** The console stream (stderr); lines at `consoleLevel` and above, pretty on a TTY. */
  readonly console?: (NodeJS.WritableStream & { isTTY?: boolean }) | undefined;
  readonly consoleLevel?: LoggerLevel;
  readonly redactor?: Redactor;
}

/**
 * Structured logs for the manager (pino): one root logger writing JSON lines to a file and,
 * for a person at a terminal, pretty lines to the console; children per component and per
 * server, each with its own level. Every message and string field passes the secret redactor.
 */
export class LogService {
  readonly root: Logger;
  private readonly fileStream: DestinationStream | undefined;
  private readonly settings: LoggingSettings;

  constructor(options: LogServiceOptions) {
    this.settings = options.settings;
    const redactor = options.redactor ?? secretRedactor;
    const streams: StreamEntry[] = [];
    if (options.file !== undefined) {
      mkdirSync(dirname(options.file), { recursive: true, mode: 0o700 });
      // Synchronous: lines are events, not requests, and none is lost when the process stops.
      this.fileStream = pino.destination({ dest: options.file, mkdir: true, sync: true });
      streams.push({ level: 'trace', stream: this.fileStream });
    }
    if (options.console !== undefined) {
      const pretty =
        this.settings.format === 'pretty' ||
        (this.settings.format === 'auto' && options.console.isTTY === true);
      streams.push({
        level: toPinoLevel(options.consoleLevel ?? 'warn'),
        stream: pretty ? prettyStream(options.console) : options.console,
      });
    }
    this.root = pino(
      {
        level: 'trace',
        base: { pid: process.pid },
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }) },
        hooks: {
          // Redact the message and every string argument before pino serialises them.
          logMethod(args, method) {
            const cleaned = args.map((arg: unknown) => redactArgument(redactor, arg));
            method.apply(this, cleaned as Parameters<typeof method>);
          },
        },
      },
      pino.multistream(streams),
    );
  }

  /** The logger of one part of the manager, at its configured level. */
  component(name: LogComponent): Logger {
    const child = this.root.child({ component: name });
    child.level = this.settings.components[name] ?? this.settings.level;
    return child;
  }

  /** The logger of one server (its output and MCP log messages), at that server's level. */
  server(name: string): Logger {
    const child = this.root.child({ component: 'server', server: name });
    child.level = this.settings.servers[name] ?? this.settings.components.server ?? this.settings.level;
    return child;
  }

  /** Flush what is buffered to the file. */
  flush(): Promise<void> {
    return new Promise((resolve) => {
      this.root.flush(() => {
        resolve();
      });
    });
  }
}

/** Strings and plain objects are redacted; errors and other instances pass to pino's serialisers. */
function redactArgument(redactor: Redactor, arg: unknown): unknown {
  if (typeof arg === 'string') return redactor.redact(arg);
  if (arg !== null && typeof arg === 'object' && Object.getPrototypeOf(arg) === Object.prototype)
    return redactor.redactValue(arg);
  return arg;
}

function toPinoLevel(level: LoggerLevel): Level {
  return level === 'silent' ? 'fatal' : level;
}

/** Pretty lines for people (pino-pretty): `12:00:01 WARN: runtime everything: restarting (…)`. */
function prettyStream(out: NodeJS.WritableStream & { isTTY?: boolean }): DestinationStream {
  return pretty({
    destination: out,
    colorize: out.isTTY === true,
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname,component,server',
    messageFormat: '{component}{if server} {server}{end}: {msg}',
    sync: true,
  });
}
