import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { LogService, Telemetry } from '@mcpman/core';
import type { EventBus, JsonObject, LoadedConfig, Logger, TelemetryEvent, TelemetrySink } from '@mcpman/core';
import type { ManagerEvent } from '@mcpman/shared';

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

/** MCP log levels as pino's (RFC 5424 names, as MCP uses, onto pino's six). */
const MCP_TO_PINO: Readonly<Record<string, 'debug' | 'info' | 'warn' | 'error' | 'fatal'>> = {
  debug: 'debug',
  info: 'info',
  notice: 'info',
  warning: 'warn',
  error: 'error',
  critical: 'fatal',
  alert: 'fatal',
  emergency: 'fatal',
};

/** A server's `notifications/message`, logged at its level under the server's logger. */
export function logServerMessage(logs: LogService, server: string, params: JsonObject): void {
  const level = MCP_TO_PINO[String(params['level'])] ?? 'info';
  const data = params['data'];
  const logger = typeof params['logger'] === 'string' ? params['logger'] : undefined;
  logs
    .server(server)
    [level](
      { mcpLevel: params['level'], ...(logger === undefined ? {} : { logger }) },
      typeof data === 'string' ? data : JSON.stringify(data),
    );
}

/**
 * Every manager event in the log: state changes (warn when a server is in trouble, error when
 * it failed), reconcile actions, server output at each server's level, failed probes.
 */
export function logEvents(bus: EventBus, logs: LogService): { dispose(): void } {
  const runtime = logs.component('runtime');
  const servers = new Map<string, Logger>();
  const serverLog = (name: string): Logger => {
    let logger = servers.get(name);
    if (logger === undefined) {
      logger = logs.server(name);
      servers.set(name, logger);
    }
    return logger;
  };
  return bus.on((event: ManagerEvent) => {
    switch (event.type) {
      case 'server.state': {
        const level =
          event.state === 'failed' ? 'error' : /unhealthy|restarting/.test(event.state) ? 'warn' : 'info';
        runtime[level](
          {
            server: event.server,
            state: event.state,
            previous: event.previous,
            ...(event.code === undefined ? {} : { code: event.code }),
          },
          `${event.server} ${event.state}: ${event.reason}`,
        );
        break;
      }
      case 'reconcile':
        runtime[event.action === 'keep' ? 'debug' : 'info'](
          { server: event.server, action: event.action },
          `${event.server} ${event.action}: ${event.reason}`,
        );
        break;
      case 'server.log':
        serverLog(event.server).info({ stream: event.stream }, event.line);
        break;
      case 'server.health':
        if (!event.ok)
          runtime.debug(
            { server: event.server },
            `${event.server} probe failed: ${event.error ?? 'no answer'}`,
          );
        break;
      case 'server.progress':
        runtime.debug({ server: event.server, phase: event.phase }, event.message);
        break;
    }
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
