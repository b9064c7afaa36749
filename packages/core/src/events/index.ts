export { EventBus, SERVER_STATES, TRANSITIONAL_STATES } from './event-bus.js';
export type {
  ManagerEvent,
  ManagerEventOf,
  ReconcileEvent,
  ServerHealthEvent,
  ServerLogEvent,
  ServerProgressEvent,
  ServerState,
  ServerStateEvent,
} from './event-bus.js';
