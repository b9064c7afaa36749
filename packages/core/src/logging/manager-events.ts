import type { ManagerEvent } from '@mcpman/shared/contract';
import type { Logger } from 'pino';
import type { EventBus } from '../events/event-bus.js';
import type { JsonObject } from '@mcpman/protocol';
import type { LogService } from './log-service.js';

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
