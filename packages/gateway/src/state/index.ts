export { RedisState } from './redis-state.js';
export { RedisTokenStore } from './redis-token-store.js';
export { RedisSharedSessions } from './redis-sessions.js';
export { RedisEventLog } from './redis-event-log.js';
