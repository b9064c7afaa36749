export * from './schema.js';
export * from './source.js';
export * from './units.js';
export { formatIssue, formatPath, formatValue, issuesFromZod, knownKeysAt, closestKey } from './issues.js';
export type { ConfigIssue, PathSegment } from './issues.js';
export {
  ConfigError,
  DEFAULT_CONFIG_NAMES,
  loadConfigFile,
  parseConfigText,
  resolveConfigPath,
  isJsonConfigPath,
} from './loader.js';
export type { LoadedConfig, ParseOptions } from './loader.js';
export { ConfigStore, assertServerName } from './store.js';
export { serverNameFrom } from './server-name.js';
export { generateJsonSchema } from './json-schema.js';
export {
  renderFieldReference,
  spliceFieldReference,
  REFERENCE_BEGIN,
  REFERENCE_END,
} from './reference-doc.js';
export { serverConfigIssues } from './browser.js';
export { watchConfigFile } from './watch.js';
export { missingProtections } from './exposure.js';
