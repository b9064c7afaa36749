export { fillTemplates, readSecretValue, secretsInTemplates } from './secret-reader.js';
export { PodmanSecretStore, assertSecretName } from './secret-store.js';
export type { SecretStore } from './secret-store.js';
