export { fillTemplates, readSecretValue, secretsInTemplates } from './secret-reader.js';
export { PodmanSecretStore, assertSecretName } from './secret-store.js';
export type { SecretOptions, SecretStore } from './secret-store.js';
export { DirectorySecretValues, PodmanSecretValues } from './secret-values.js';
export type { SecretValues } from './secret-values.js';
export { fillGatewaySecrets, gatewaySecretNames } from './gateway-secrets.js';
