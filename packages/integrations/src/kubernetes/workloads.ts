import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IEnvVar } from 'kubernetes-models/v1/EnvVar';
import type { IPodSecurityContext } from 'kubernetes-models/v1/PodSecurityContext';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { ISecurityContext } from 'kubernetes-models/v1/SecurityContext';
import type { IVolume } from 'kubernetes-models/v1/Volume';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { Service } from 'kubernetes-models/v1/Service';
import type { ResourceLimits, SecurityPolicies } from '@mcpman/core';
import { SECRET_KEY, SERVICE_ACCOUNT, componentLabels, kubernetesSecretName } from './names.js';
import type { Component } from './names.js';

/**
 * The pod-level half of the config's hardening: a numeric non-root user (Kubernetes checks it
 * before starting), RuntimeDefault seccomp, and a group that owns mounted volumes.
 */
export function podSecurityContext(policy: Pick<SecurityPolicies, 'user'>): IPodSecurityContext {
  const [uid = 1000, gid = uid] = policy.user.split(':').map(Number);
  return {
    runAsUser: uid,
    runAsGroup: gid,
    fsGroup: gid,
    runAsNonRoot: uid !== 0,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** The container-level half: no capabilities, no privilege escalation, the root filesystem as configured. */
export function containerSecurityContext(readOnlyRootfs: boolean): ISecurityContext {
  return {
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: readOnlyRootfs,
    capabilities: { drop: ['ALL'] },
  };
}

/**
 * `resourceLimits` as resources. Limits are the config's; requests reserve the whole memory
 * limit (so the scheduler never overcommits what the server may use) and a tenth of the CPU.
 * `pids` has no per-container field in Kubernetes (it is the kubelet's podPidsLimit).
 */
export function resources(limits: ResourceLimits): NonNullable<IContainer['resources']> {
  const millis = (cpus: number): string => `${Math.max(1, Math.round(cpus * 1000))}m`;
  return {
    limits: { memory: String(limits.memory), cpu: millis(limits.cpus) },
    requests: { memory: String(limits.memory), cpu: millis(limits.cpus / 10) },
  };
}

/** Plain variables, then each secret as a reference to its Kubernetes Secret (never the value). */
export function environment(
  env: Readonly<Record<string, string>>,
  secrets: Readonly<Record<string, string>>,
): IEnvVar[] {
  return [
    ...Object.entries(env).map(([name, value]) => ({ name, value })),
    ...Object.entries(secrets).map(([name, secret]) => ({
      name,
      valueFrom: { secretKeyRef: { name: kubernetesSecretName(secret), key: SECRET_KEY } },
    })),
  ];
}

/** /tmp as a memory-backed emptyDir of the config's tmpfs size: the one writable place. */
export function tmpVolume(sizeBytes: number): IVolume {
  return { name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: String(sizeBytes) } };
}

export interface WorkloadInput {
  readonly name: string;
  readonly namespace: string;
  readonly component: Component;
  readonly server?: string;
  readonly replicas: number;
  readonly pod: Omit<IPodSpec, 'serviceAccountName' | 'automountServiceAccountToken'>;
  /** Pod annotations; a config hash here rolls the pods when the config changes. */
  readonly annotations?: Record<string, string>;
}

/** A Deployment whose pods use the token-less service account. */
export function deployment(input: WorkloadInput): Deployment {
  const { labels, selector } = componentLabels(input.component, input.server);
  return new Deployment({
    metadata: { name: input.name, namespace: input.namespace, labels },
    spec: {
      replicas: input.replicas,
      selector: { matchLabels: selector },
      template: {
        metadata: { labels, ...(input.annotations === undefined ? {} : { annotations: input.annotations }) },
        spec: {
          serviceAccountName: SERVICE_ACCOUNT,
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          ...input.pod,
        },
      },
    },
  });
}

export function service(
  name: string,
  namespace: string,
  component: Component,
  ports: { name: string; port: number }[],
  server?: string,
): Service {
  const { labels, selector } = componentLabels(component, server);
  return new Service({
    metadata: { name, namespace, labels },
    spec: {
      type: 'ClusterIP',
      selector,
      ports: ports.map((port) => ({
        name: port.name,
        port: port.port,
        targetPort: port.port,
        protocol: 'TCP',
      })),
    },
  });
}

/**
 * Only gateway pods may open connections to the component's port; egress is closed unless the
 * server's network policy is bridge (outbound access).
 */
export function ingressFromGatewayOnly(
  name: string,
  namespace: string,
  component: Component,
  port: number,
  egress: boolean,
  server?: string,
): NetworkPolicy {
  const { labels, selector } = componentLabels(component, server);
  return new NetworkPolicy({
    metadata: { name, namespace, labels },
    spec: {
      podSelector: { matchLabels: selector },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        {
          from: [{ podSelector: { matchLabels: componentLabels('gateway').selector } }],
          ports: [{ protocol: 'TCP', port }],
        },
      ],
      egress: egress ? [{}] : [],
    },
  });
}
