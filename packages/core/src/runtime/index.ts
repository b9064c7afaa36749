export { McpRuntime, defaultCacheDir } from './runtime.js';
export type { DownOptions, DownReport, RuntimeOptions } from './runtime.js';
export { ServerSupervisor } from './server-supervisor.js';
export { RemoteSupervisor } from './remote-supervisor.js';
export { ServerLifecycle } from './server-lifecycle.js';
export type { LifecycleDeps } from './server-lifecycle.js';
export type { SupervisorDeps } from './server-supervisor.js';
export { unmanagedStatus } from './server-status.js';
export type { ServerStatus } from './server-status.js';
export { checkServerSecrets, filledHeaders, headerTemplates, serverSecretNames } from './server-secrets.js';
export {
  buildContainerSpec,
  configHash,
  effectiveNetwork,
  SECRETS_DIR,
  SECRET_ENV_VAR,
  SPEC_VERSION,
  serverCommandLine,
} from './container-spec.js';
export type { ResolvedImage, SpecInput } from './container-spec.js';
export { describeExit } from './exit-reason.js';
export type { ExitReason } from './exit-reason.js';
export { LABEL, MANAGED_FILTER, containerName, isolatedNetworkName, unownedNames } from './labels.js';
export {
  DESKTOP_OWNER_ID,
  assertOwnerId,
  desktopOwner,
  foreignServer,
  ownerFilter,
  ownerForConfig,
  ownerLabels,
  ownership,
} from './owner.js';
export type { ForeignServer, ManagerOwner } from './owner.js';
export { ServerLogStore, serverLogPath } from './server-log.js';
export { SessionPool } from './session-pool.js';
export type { SessionLease, SessionPoolDeps, SessionTarget } from './session-pool.js';
