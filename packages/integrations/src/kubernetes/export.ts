import { isAbsolute, resolve } from 'node:path';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IContainer } from 'kubernetes-models/v1/Container';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import type { IVolume } from 'kubernetes-models/v1/Volume';
import type { IVolumeMount } from 'kubernetes-models/v1/VolumeMount';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import * as YAML from 'yaml';
import { effectiveNetwork, mcpmanCommand, missingProtections } from '@mcpman/core';
import { MCPError, MCPErrorCode, sha256 } from '@mcpman/protocol';
import type { McpmanConfig, MCPServerConfig } from '@mcpman/core';
import { clusterGatewayConfig } from './cluster-config.js';
import {
  BRIDGE_PORT,
  CONFIG_DIR,
  CONFIG_KEY,
  GATEWAY_GRPC_PORT,
  GATEWAY_HTTP_PORT,
  GATEWAY_NAME,
  GATEWAY_SECRETS_DIR,
  REDIS_NAME,
  REDIS_PORT,
  SECRET_KEY,
  SERVICE_ACCOUNT,
  TLS_DIR,
  componentLabels,
  kubernetesSecretName,
  serverWorkloadName,
  withPrefix,
} from './names.js';
import {
  containerSecurityContext,
  deployment,
  environment,
  ingressFromGatewayOnly,
  podSecurityContext,
  resources,
  service,
  tmpVolume,
} from './workloads.js';

/** What the export needs to know about a container server's image. */
export interface ServerImage {
  /** The image the pod runs: for a stdio server, its image with the mcpman payload added. */
  readonly image: string;
  /** The server's whole command line (the config's or the image's entrypoint and arguments). */
  readonly command: readonly string[];
}

export interface KubernetesExportInput {
  readonly config: McpmanConfig;
  /** The config as written (so the gateway's copy keeps the user's units and fields). */
  readonly raw: unknown;
  /** Folder relative paths of the config (TLS files) are resolved against. */
  readonly configDir: string;
  readonly namespace: string;
  readonly replicas: number;
  /** `REG/` in place of `localhost/` in every image mcpman made. */
  readonly imagePrefix?: string;
  /** An external Redis; without it the export runs one in the namespace. */
  readonly redisUrl?: string;
  readonly redisImage: string;
  readonly mcpmanImage: string;
  /** Per enabled container server. */
  readonly images: Readonly<Record<string, ServerImage>>;
}

/** Something the user has to do before `kubectl apply`: make a Secret the manifests reference. */
export interface SecretToCreate {
  readonly kubernetesName: string;
  /** The mcpman secret it holds (or, for TLS, the files). */
  readonly from: string;
  readonly command: string;
  /** A random value the script makes itself (the bundled Redis's password): nobody is asked. */
  readonly generated?: boolean;
}

/** A word the shell reads as it is, whatever it holds (a path with spaces, quotes or `$`). */
function shellQuote(text: string): string {
  return `'${text.replace(/'/g, "'\\''")}'`;
}

/** The bundled Redis's password: made by create-secrets.sh, read by Redis and by the gateway. */
export const REDIS_PASSWORD_SECRET = 'mcpman-redis-password';
/** An external Redis's URL, when it carries credentials. */
export const REDIS_URL_SECRET = 'mcpman-redis-url';

export interface KubernetesExport {
  /** File name → objects, in the order `kubectl apply -k` should see them. */
  readonly files: { readonly name: string; readonly objects: readonly KubeObject[] }[];
  readonly secrets: SecretToCreate[];
  readonly warnings: string[];
}

/** Any generated object: each can validate itself against Kubernetes' OpenAPI schema. */
export interface KubeObject {
  readonly kind: string;
  readonly metadata?: { readonly name?: string };
  validate(): void;
  toJSON(): unknown;
}

const GATEWAY_LIMITS = { memory: 512 * 1024 * 1024, cpus: 1, pids: 1024 };
const DEFAULT_VOLUME_SIZE = '1Gi';

/** Every manifest of a config: namespace, gateway, Redis, one workload per enabled container server. */
export function exportKubernetes(input: KubernetesExportInput): KubernetesExport {
  if (!Number.isInteger(input.replicas) || input.replicas < 1)
    throw new MCPError(
      MCPErrorCode.ConfigInvalid,
      `--replicas ${input.replicas}: expected a whole number from 1`,
    );
  const warnings: string[] = [];
  const secrets = new Map<string, SecretToCreate>();
  const files: KubernetesExport['files'] = [];
  const ns = input.namespace;
  files.push({
    name: 'namespace.yaml',
    objects: [
      new Namespace({ metadata: { name: ns, labels: componentLabels('gateway').labels } }),
      new ServiceAccount({
        metadata: { name: SERVICE_ACCOUNT, namespace: ns, labels: componentLabels('gateway').labels },
        automountServiceAccountToken: false,
      }),
    ],
  });
  const redisUrl = clusterRedisUrl(input.redisUrl);
  const cluster = clusterGatewayConfig(input.raw, input.config, redisUrl);
  for (const secret of cluster.headerSecrets) addSecret(secrets, ns, secret);
  if (input.redisUrl === undefined) {
    const kubernetesName = kubernetesSecretName(REDIS_PASSWORD_SECRET);
    secrets.set(kubernetesName, {
      kubernetesName,
      from: REDIS_PASSWORD_SECRET,
      command: `kubectl -n ${ns} create secret generic ${kubernetesName} --from-file=${SECRET_KEY}=/dev/stdin`,
      generated: true,
    });
  }
  for (const moved of cluster.movedOtlpHeaders)
    warnings.push(
      `gateway.tracing.otlp.headers.${moved.header} is a plain value in the config: in the cluster it is the Secret ${kubernetesSecretName(moved.secret)} (create-secrets.sh asks for it), never the ConfigMap; write \${secret:NAME} in your config too`,
    );
  files.push({ name: 'gateway.yaml', objects: gatewayObjects(input, cluster, secrets, warnings) });
  if (input.redisUrl === undefined) files.push({ name: 'redis.yaml', objects: redisObjects(input) });
  for (const [name, server] of Object.entries(input.config.servers)) {
    if (!server.enabled || server.source.type === 'remote') continue;
    const image = input.images[name];
    if (image === undefined)
      throw new MCPError(MCPErrorCode.Internal, `no image was resolved for servers.${name}`);
    for (const secret of Object.values(server.secrets)) addSecret(secrets, ns, secret);
    files.push({ name: `server-${name}.yaml`, objects: serverObjects(input, name, server, image, warnings) });
  }
  for (const file of files) for (const object of file.objects) object.validate();
  return { files, secrets: [...secrets.values()], warnings };
}

function addSecret(secrets: Map<string, SecretToCreate>, namespace: string, secret: string): void {
  const kubernetesName = kubernetesSecretName(secret);
  secrets.set(kubernetesName, {
    kubernetesName,
    from: secret,
    command: `kubectl -n ${namespace} create secret generic ${kubernetesName} --from-file=${SECRET_KEY}=/dev/stdin`,
  });
}

function gatewayObjects(
  input: KubernetesExportInput,
  cluster: ReturnType<typeof clusterGatewayConfig>,
  secrets: Map<string, SecretToCreate>,
  warnings: string[],
): KubeObject[] {
  const ns = input.namespace;
  const text = YAML.stringify(cluster.document, { lineWidth: 0 });
  const { labels } = componentLabels('gateway');
  const configMap = new ConfigMap({
    metadata: { name: `${GATEWAY_NAME}-config`, namespace: ns, labels },
    data: { [CONFIG_KEY]: text },
  });
  const gateway = input.config.gateway;
  const missing = missingProtections(gateway, cluster.tls);
  const exposure = missing.length === 0 ? undefined : missing.join(' and ');
  if (exposure !== undefined)
    warnings.push(
      `the gateway runs with --insecure: it listens without ${exposure}; anything that reaches its Service can use every server (put it behind an authenticating ingress, or set gateway.auth and gateway.tls)`,
    );
  const volumes: IVolume[] = [
    { name: 'config', configMap: { name: `${GATEWAY_NAME}-config` } },
    tmpVolume(64 * 1024 * 1024),
  ];
  const mounts: IVolumeMount[] = [
    { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
    { name: 'tmp', mountPath: '/tmp' },
  ];
  if (cluster.headerSecrets.length > 0) {
    volumes.push({
      name: 'secrets',
      projected: {
        sources: cluster.headerSecrets.map((secret) => ({
          secret: { name: kubernetesSecretName(secret), items: [{ key: SECRET_KEY, path: secret }] },
        })),
      },
    });
    mounts.push({ name: 'secrets', mountPath: GATEWAY_SECRETS_DIR, readOnly: true });
  }
  if (cluster.tls) {
    const tls = gateway.tls;
    const path = (file: string): string => (isAbsolute(file) ? file : resolve(input.configDir, file));
    const files = [
      `--from-file=tls.crt=${shellQuote(path(tls?.cert ?? ''))}`,
      `--from-file=tls.key=${shellQuote(path(tls?.key ?? ''))}`,
      ...(tls?.clientCa === undefined ? [] : [`--from-file=ca.crt=${shellQuote(path(tls.clientCa))}`]),
    ];
    secrets.set(`${GATEWAY_NAME}-tls`, {
      kubernetesName: `${GATEWAY_NAME}-tls`,
      from: 'gateway.tls',
      command: `kubectl -n ${ns} create secret generic ${GATEWAY_NAME}-tls ${files.join(' ')}`,
    });
    volumes.push({ name: 'tls', secret: { secretName: `${GATEWAY_NAME}-tls` } });
    mounts.push({ name: 'tls', mountPath: TLS_DIR, readOnly: true });
  }
  const scheme = cluster.tls ? 'HTTPS' : 'HTTP';
  const grpc = gateway.grpc.enabled;
  const container: IContainer = {
    name: 'gateway',
    image: withPrefix(input.mcpmanImage, input.imagePrefix),
    imagePullPolicy: 'IfNotPresent',
    command: mcpmanCommand([
      'gateway',
      '-f',
      `${CONFIG_DIR}/${CONFIG_KEY}`,
      ...(exposure === undefined ? [] : ['--insecure']),
    ]),
    env: [{ name: 'MCPMAN_STATE_DIR', value: '/tmp/mcpman' }],
    ports: [
      { name: 'http', containerPort: GATEWAY_HTTP_PORT, protocol: 'TCP' },
      ...(grpc ? [{ name: 'grpc', containerPort: GATEWAY_GRPC_PORT, protocol: 'TCP' as const }] : []),
    ],
    readinessProbe: {
      httpGet: { path: '/readyz', port: GATEWAY_HTTP_PORT, scheme },
      periodSeconds: 5,
      failureThreshold: 3,
    },
    livenessProbe: {
      httpGet: { path: '/healthz', port: GATEWAY_HTTP_PORT, scheme },
      periodSeconds: 10,
      failureThreshold: 6,
    },
    resources: resources(GATEWAY_LIMITS),
    securityContext: containerSecurityContext(true),
    volumeMounts: mounts,
  };
  return [
    configMap,
    deployment({
      name: GATEWAY_NAME,
      namespace: ns,
      component: 'gateway',
      replicas: input.replicas,
      annotations: { 'mcpman.io/config-hash': sha256(text).slice(0, 16) },
      pod: {
        securityContext: podSecurityContext({ user: '1000:1000' }),
        containers: [container],
        volumes,
      },
    }),
    service(GATEWAY_NAME, ns, 'gateway', [
      { name: 'http', port: GATEWAY_HTTP_PORT },
      ...(grpc ? [{ name: 'grpc', port: GATEWAY_GRPC_PORT }] : []),
    ]),
    new PodDisruptionBudget({
      metadata: { name: GATEWAY_NAME, namespace: ns, labels },
      spec: { maxUnavailable: 1, selector: { matchLabels: componentLabels('gateway').selector } },
    }),
  ];
}

/**
 * The gateway's Redis URL in the cluster's config: the bundled Redis with its password from a
 * Secret, or the one given, its credentials (if any) moved to a Secret as well.
 */
function clusterRedisUrl(given: string | undefined): string {
  if (given === undefined) return `redis://:\${secret:${REDIS_PASSWORD_SECRET}}@${REDIS_NAME}:${REDIS_PORT}`;
  const url = URL.canParse(given) ? new URL(given) : undefined;
  return url !== undefined && (url.username !== '' || url.password !== '')
    ? `\${secret:${REDIS_URL_SECRET}}`
    : given;
}

/**
 * A Redis for the gateway replicas' shared state: not persisted (sessions and limits are
 * transient), and with a password (from a Secret), since whoever writes to it can mint tokens
 * and take sessions over: a NetworkPolicy alone is not enforced by every CNI.
 */
function redisObjects(input: KubernetesExportInput): KubeObject[] {
  const ns = input.namespace;
  return [
    deployment({
      name: REDIS_NAME,
      namespace: ns,
      component: 'redis',
      replicas: 1,
      pod: {
        securityContext: podSecurityContext({ user: '999:999' }),
        containers: [
          {
            name: 'redis',
            image: input.redisImage,
            imagePullPolicy: 'IfNotPresent',
            // Kubernetes expands $(REDIS_PASSWORD) from the container's environment.
            args: [
              '--save',
              '',
              '--appendonly',
              'no',
              '--port',
              String(REDIS_PORT),
              '--requirepass',
              '$(REDIS_PASSWORD)',
            ],
            env: [
              {
                name: 'REDIS_PASSWORD',
                valueFrom: {
                  secretKeyRef: { name: kubernetesSecretName(REDIS_PASSWORD_SECRET), key: SECRET_KEY },
                },
              },
            ],
            ports: [{ name: 'redis', containerPort: REDIS_PORT, protocol: 'TCP' }],
            readinessProbe: { tcpSocket: { port: REDIS_PORT }, periodSeconds: 5 },
            livenessProbe: { tcpSocket: { port: REDIS_PORT }, periodSeconds: 10 },
            resources: resources({ memory: 256 * 1024 * 1024, cpus: 0.5, pids: 64 }),
            securityContext: containerSecurityContext(true),
            volumeMounts: [{ name: 'data', mountPath: '/data' }],
          },
        ],
        volumes: [{ name: 'data', emptyDir: {} }],
      },
    }),
    service(REDIS_NAME, ns, 'redis', [{ name: 'redis', port: REDIS_PORT }]),
    ingressFromGatewayOnly(REDIS_NAME, ns, 'redis', REDIS_PORT, false),
  ];
}

/** How many server processes one stdio bridge may run: one per gateway replica, or per client. */
function bridgeSessions(server: MCPServerConfig, replicas: number): number {
  const wanted = server.sessionMode === 'per-client' ? server.sessionPool.max * replicas : 4 * replicas;
  return Math.min(1000, Math.max(16, wanted));
}

function serverObjects(
  input: KubernetesExportInput,
  name: string,
  server: MCPServerConfig,
  image: ServerImage,
  warnings: string[],
): KubeObject[] {
  const ns = input.namespace;
  const workload = serverWorkloadName(name);
  const policy = server.securityPolicies;
  const stdio = server.transport.type === 'stdio';
  const port = server.transport.type === 'http' ? server.transport.port : BRIDGE_PORT;
  const claims = policy.mounts.map(
    (mount, index) =>
      new PersistentVolumeClaim({
        metadata: {
          name: `${workload}-${index}`,
          namespace: ns,
          labels: componentLabels('server', name).labels,
        },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: DEFAULT_VOLUME_SIZE } } },
      }),
  );
  if (policy.mounts.length > 0)
    warnings.push(
      `servers.${name}: each host folder becomes a PersistentVolumeClaim (${claims.map((c) => c.metadata?.name ?? '').join(', ')}, ${DEFAULT_VOLUME_SIZE}); its files are not copied: fill the volume yourself`,
    );
  const container: IContainer = {
    name: 'server',
    image: withPrefix(image.image, input.imagePrefix),
    imagePullPolicy: 'IfNotPresent',
    ...(stdio
      ? {
          command: mcpmanCommand([
            'stdio-bridge',
            '--host',
            '0.0.0.0',
            '--port',
            String(BRIDGE_PORT),
            '--max-sessions',
            String(bridgeSessions(server, input.replicas)),
            // Past the gateway's own idle timeout, so only sessions of a replica that died go.
            '--idle-timeout',
            `${Math.ceil(input.config.gateway.sessionIdleTimeout / 1000) + 300}s`,
            '--',
          ]),
          args: [...image.command],
        }
      : { command: [...image.command] }),
    env: environment(server.env, server.secrets),
    ports: [{ name: 'mcp', containerPort: port, protocol: 'TCP' }],
    readinessProbe: stdio
      ? { httpGet: { path: '/readyz', port }, periodSeconds: 5 }
      : { tcpSocket: { port }, periodSeconds: 5 },
    livenessProbe: stdio
      ? { httpGet: { path: '/healthz', port }, periodSeconds: 10, failureThreshold: 6 }
      : { tcpSocket: { port }, periodSeconds: 10, failureThreshold: 6 },
    resources: resources(server.resourceLimits),
    securityContext: containerSecurityContext(policy.readOnlyRootfs),
    volumeMounts: [
      { name: 'tmp', mountPath: '/tmp' },
      ...policy.mounts.map((mount, index) => ({
        name: `mount-${index}`,
        mountPath: mount.target,
        readOnly: mount.readOnly,
      })),
    ],
  };
  return [
    ...claims,
    deployment({
      name: workload,
      namespace: ns,
      component: 'server',
      server: name,
      replicas: 1,
      pod: {
        securityContext: podSecurityContext(policy),
        containers: [container],
        volumes: [
          tmpVolume(policy.tmpfsSize),
          ...policy.mounts.map((mount, index) => ({
            name: `mount-${index}`,
            persistentVolumeClaim: { claimName: `${workload}-${index}`, readOnly: mount.readOnly },
          })),
        ],
      },
    }),
    service(workload, ns, 'server', [{ name: 'mcp', port }], name),
    ingressFromGatewayOnly(workload, ns, 'server', port, effectiveNetwork(server) === 'bridge', name),
  ];
}

/** One file's objects as a multi-document YAML stream. */
export function manifestText(objects: readonly KubeObject[]): string {
  return objects.map((object) => YAML.stringify(object.toJSON(), { lineWidth: 0 })).join('---\n');
}

/** The kustomization that applies every file into the namespace. */
export function kustomization(namespace: string, files: readonly string[]): string {
  return YAML.stringify({
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    namespace,
    resources: [...files],
  });
}

/**
 * A script that makes the Secrets the manifests reference: it asks for each value (not echoed)
 * or reads it from the environment variable named after it, so no value is ever in a file here.
 */
export function secretsScript(secrets: readonly SecretToCreate[]): string {
  const lines = [
    '#!/bin/sh',
    '# Creates the Kubernetes Secrets these manifests reference; no value is stored in these files.',
    '# Each value comes from MCPMAN_SECRET_<NAME> when set, else it is asked for (not echoed).',
    'set -eu',
    'ask() {',
    '  var="MCPMAN_SECRET_$(printf %s "$1" | tr "a-z.-" "A-Z__")"',
    '  eval "value=\\${$var:-}"',
    '  if [ -z "$value" ]; then',
    '    printf "value of secret %s: " "$1" >&2; stty -echo 2>/dev/null || true',
    '    IFS= read -r value; stty echo 2>/dev/null || true; printf "\\n" >&2',
    '  fi',
    '  printf %s "$value"',
    '}',
    '# A random value of 32 letters and digits, for a password nobody types.',
    "generate() { LC_ALL=C tr -dc 'A-Za-z0-9' </dev/urandom | head -c 32; }",
  ];
  for (const secret of secrets) {
    if (secret.generated === true) lines.push(`generate | ${secret.command}`);
    else
      lines.push(secret.from === 'gateway.tls' ? secret.command : `ask '${secret.from}' | ${secret.command}`);
  }
  return `${lines.join('\n')}\n`;
}
