export { BUNDLED, BUNDLED_CATALOG_DIR, Catalog, catalogEntryOf } from './catalog.js';
export type {
  CatalogEntry,
  CatalogOptions,
  ResolvedServer,
  SearchResult,
  SourceKind,
  VersionInfo,
} from './catalog.js';
export { CatalogCache } from './catalog-cache.js';
export { RegistryClient } from './registry-client.js';
export type { ListQuery, RegistryEntry, RegistryPage } from './registry-client.js';
export { buildServerEntry, planServer, planServerHere } from './server-entry.js';
export type {
  BuiltEntry,
  CatalogInput,
  InputAnswers,
  InputKind,
  PlanKind,
  ServerPlan,
} from './server-entry.js';
export { schemaProblems, validateServerJson } from './server-json.js';
export type { RegistryPackage, RemoteTransport, ServerJson } from './server-json.js';
