export * from './api.js';
export * from './rpc.js';
export { HttpRpcTransport } from './transports/http-transport.js';
export type { HttpTransportOptions } from './transports/http-transport.js';
export { WebviewRpcTransport } from './transports/webview-transport.js';
export type { PodmanDesktopWebviewApi } from './transports/webview-transport.js';
export { summarize, toneOf } from './status-summary.js';
export type { StateTone, StatusSummary } from './status-summary.js';
