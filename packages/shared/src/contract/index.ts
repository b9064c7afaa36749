/*
 * The wire types every face shares (management API, CLI, extension, dashboard). This package is
 * the leaf of the dependency graph: core implements these types, it does not define them.
 */
export { MCPErrorCode } from './error-codes.js';
export { PROTOCOL_VERSIONS } from './protocol-versions.js';
export type { ProtocolVersion } from './protocol-versions.js';
export { SERVER_STATES, TRANSITIONAL_STATES } from './server-status.js';
export type { Implementation, ProfileInfo, ServerState, ServerStatus } from './server-status.js';
export type {
  ManagerEvent,
  ManagerEventOf,
  ReconcileEvent,
  ServerHealthEvent,
  ServerLogEvent,
  ServerProgressEvent,
  ServerStateEvent,
} from './manager-events.js';
export type { Grant, TokenInfo } from './tokens.js';
export type {
  ClientChange,
  ClientEntryInfo,
  ClientInfo,
  ClientRequest,
  ClientScope,
  ClientTransport,
} from './clients.js';
export type {
  CatalogAddRequest,
  CatalogAdded,
  CatalogEntry,
  CatalogInput,
  InputKind,
  PlanKind,
  SearchResult,
  ServerPlan,
  SourceKind,
  VersionInfo,
} from './catalog.js';
export { BUNDLED_SOURCE, CatalogAddRequestSchema, describeSources } from './catalog.js';
