import { sha256 } from '@mcpman/protocol';

/** Ports inside the cluster: the gateway's listeners and every stdio bridge. */
export const GATEWAY_HTTP_PORT = 7420;
export const GATEWAY_GRPC_PORT = 7421;
export const BRIDGE_PORT = 8080;
export const REDIS_PORT = 6379;

export const GATEWAY_NAME = 'mcpman-gateway';
export const REDIS_NAME = 'mcpman-redis';
export const SERVICE_ACCOUNT = 'mcpman';
/** Where the gateway pod finds its config (a ConfigMap) and header secrets (Secrets). */
export const CONFIG_DIR = '/etc/mcpman';
export const CONFIG_KEY = 'mcpman.yaml';
export const GATEWAY_SECRETS_DIR = '/run/secrets/mcpman';
export const TLS_DIR = '/etc/mcpman/tls';
/** The one key of every Secret the export references. */
export const SECRET_KEY = 'value';

export type Component = 'gateway' | 'redis' | 'server';

/** The Deployment and Service name of a server. */
export function serverWorkloadName(server: string): string {
  return `mcpman-server-${server}`;
}

/**
 * The Kubernetes Secret holding an mcpman secret. mcpman names allow capitals and `_`, which a
 * Kubernetes name does not; such names get a short hash so two never map to one Secret.
 */
export function kubernetesSecretName(secret: string): string {
  const safe = secret
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '');
  const suffix = safe === secret ? '' : `-${sha256(secret).slice(0, 8)}`;
  return `mcpman-secret-${safe.slice(0, 200)}${suffix}`;
}

/** The labels every object carries; `selector` is the subset Deployments and Services match on. */
export function componentLabels(
  component: Component,
  server?: string,
): { labels: Record<string, string>; selector: Record<string, string> } {
  const selector: Record<string, string> = {
    'app.kubernetes.io/name': 'mcpman',
    'app.kubernetes.io/component': component,
    ...(server === undefined ? {} : { 'mcpman.io/server': server }),
  };
  return {
    selector,
    labels: { ...selector, 'app.kubernetes.io/part-of': 'mcpman', 'app.kubernetes.io/managed-by': 'mcpman' },
  };
}

/** An image reference with `localhost/` swapped for the registry prefix, when one is given. */
export function withPrefix(ref: string, prefix: string | undefined): string {
  if (prefix === undefined) return ref;
  const base = prefix.endsWith('/') ? prefix : `${prefix}/`;
  return ref.startsWith('localhost/') ? `${base}${ref.slice('localhost/'.length)}` : ref;
}
