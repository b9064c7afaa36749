import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { LogService, Telemetry } from '@mcpman/core';
import type { LoadedConfig, TelemetryEvent, TelemetrySink } from '@mcpman/core';

import type { CliIO } from '../io.js';

/** The manager's JSON log, `<state>/managers/<owner>/mcpman.log` unless `logging.file` says otherwise. */
export function managerLogFile(loaded: LoadedConfig, state: string): string {
  const file = loaded.config.logging.file;
  return file === undefined ? join(state, 'mcpman.log') : resolve(loaded.dir, file);
}

/** Structured logs of the manager: warnings and errors also on the console (pretty on a TTY). */
export function createLogService(loaded: LoadedConfig, io: CliIO, state: string): LogService {
  return new LogService({
    settings: loaded.config.logging,
    file: managerLogFile(loaded, state),
    // A real stream: pino-pretty pipes into it.
    console: Object.assign(
      new Writable({
        write(chunk: Buffer, _encoding, done): void {
          io.stderr(chunk.toString('utf8'));
          done();
        },
      }),
      { isTTY: io.isTTY },
    ),
    consoleLevel: 'warn',
  });
}

/** The CLI's telemetry sink: JSON lines in a local file, for the user to read. Off by default. */
export function cliTelemetry(loaded: LoadedConfig, state: string): Telemetry {
  const settings = loaded.config.telemetry;
  if (!settings.enabled) return Telemetry.off();
  const file =
    settings.file === undefined ? join(state, 'telemetry.jsonl') : resolve(loaded.dir, settings.file);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const sink: TelemetrySink = {
    send: (event: TelemetryEvent) => {
      appendFileSync(file, `${JSON.stringify({ at: new Date().toISOString(), ...event })}\n`, {
        mode: 0o600,
      });
    },
  };
  return new Telemetry(sink, true);
}
