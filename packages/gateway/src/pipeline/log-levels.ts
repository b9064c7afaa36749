import { LOG_LEVELS } from './session.js';
import type { ClientSession, LogLevel } from './session.js';

/**
 * Log levels across the sessions of one server: the server is asked for the most verbose level
 * any of them wants (once per change), and each session is sent only what it asked for.
 */
export class LogLevelSync {
  /** What the server was last asked for on its current session. */
  private upstream: LogLevel | undefined;

  /** The level to ask the server for now, or undefined when nothing needs asking. */
  next(sessions: Iterable<ClientSession>): LogLevel | undefined {
    let wanted: LogLevel | undefined;
    for (const session of sessions) {
      const level = session.logLevel;
      if (
        level !== undefined &&
        (wanted === undefined || LOG_LEVELS.indexOf(level) < LOG_LEVELS.indexOf(wanted))
      )
        wanted = level;
    }
    if (wanted === undefined || wanted === this.upstream) return undefined;
    this.upstream = wanted;
    return wanted;
  }

  /** A new upstream session knows no level yet. */
  reset(): void {
    this.upstream = undefined;
  }
}

/** Whether `session` asked for messages of `level` (a level it does not know: no). */
export function wantsLevel(session: ClientSession, level: unknown): boolean {
  const index = typeof level === 'string' ? LOG_LEVELS.indexOf(level as LogLevel) : -1;
  return session.logLevel !== undefined && index >= LOG_LEVELS.indexOf(session.logLevel);
}
