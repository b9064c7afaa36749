/** Log levels and components, apart from the logger so the config schema stays free of pino. */
export const LOGGER_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LoggerLevel = (typeof LOGGER_LEVELS)[number];

/** The parts of the manager that log; each may have its own level (`logging.components`). */
export const LOG_COMPONENTS = ['manager', 'runtime', 'engine', 'gateway', 'auth', 'api', 'server'] as const;
export type LogComponent = (typeof LOG_COMPONENTS)[number];
