export { Router } from './http/router.js';
export type { RouteHandler, RouteMatch, RouteParams } from './http/router.js';
export { HttpListener, isLoopback, parseListen } from './http/listener.js';
export type { HttpListenerOptions, ListenAddress } from './http/listener.js';
export { readBody, readJson, sendError, sendJson } from './http/respond.js';
export { openSse } from './http/sse.js';
export type { SseStream } from './http/sse.js';
export { registerManagementApi, stateCounts } from './api/management-api.js';
export type {
  DaemonInfo,
  ManagementApiOptions,
  ManagementBackend,
  ServerDetail,
} from './api/management-api.js';
