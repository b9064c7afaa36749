export { clusterGatewayConfig, clusterServerUrl } from './cluster-config.js';
export type { ClusterConfig } from './cluster-config.js';
export {
  REDIS_PASSWORD_SECRET,
  REDIS_URL_SECRET,
  exportKubernetes,
  kustomization,
  manifestText,
  secretsScript,
} from './export.js';
export type {
  KubeObject,
  KubernetesExport,
  KubernetesExportInput,
  SecretToCreate,
  ServerImage,
} from './export.js';
export { GATEWAY_NAME, REDIS_NAME, kubernetesSecretName, serverWorkloadName, withPrefix } from './names.js';
