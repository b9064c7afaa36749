export { BUNDLED, BUNDLED_CATALOG_DIR, Catalog, catalogEntryOf, registryCacheDir } from './catalog.js';
export type { CatalogOptions, ResolvedServer } from './catalog.js';
export { CatalogCache } from './catalog-cache.js';
export { RegistryClient } from './registry-client.js';
export type { ListQuery, RegistryEntry, RegistryPage } from './registry-client.js';
export { buildServerEntry, planServer, planServerHere } from './server-entry.js';
export type { BuiltEntry, InputAnswers } from './server-entry.js';
export { schemaProblems, validateServerJson } from './server-json.js';
export type { RegistryPackage, RemoteTransport, ServerJson } from './server-json.js';
// The wire types live in shared (the dashboard reads them too); core's users get them here.
export type {
  CatalogEntry,
  CatalogInput,
  InputKind,
  PlanKind,
  SearchResult,
  ServerPlan,
  SourceKind,
  VersionInfo,
} from '@mcpman/shared/contract';
export { checkIndexTrusted, installCatalogServer, secretNameFor } from './catalog-install.js';
export type { InstallRequest } from './catalog-install.js';
