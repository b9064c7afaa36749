export { LOG_COMPONENTS, LOGGER_LEVELS } from './levels.js';
export type { LogComponent, LoggerLevel } from './levels.js';
export { LogService } from './log-service.js';
export type { LoggingSettings, LogServiceOptions } from './log-service.js';
export type { Logger } from 'pino';
export { logEvents, logServerMessage } from './manager-events.js';
