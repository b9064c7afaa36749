import { describe, expect, it } from 'vitest';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import * as YAML from 'yaml';
import { parseConfigText } from '@mcpman/core';
import { exportKubernetes, kustomization, manifestText, secretsScript } from './export.js';
import type { KubernetesExportInput } from './export.js';
import { kubernetesSecretName } from './names.js';

/** Each kind the export writes, checked against Kubernetes' own OpenAPI schema. */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/ServiceAccount': ServiceAccount,
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'apps/v1/Deployment': Deployment,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
};

const CONFIG = `
version: 1
gateway:
  listen: 127.0.0.1:7420
  sessionIdleTimeout: 10m
  auth: { mode: token, tokensFile: ./tokens.json }
  tls: { cert: certs/server.pem, key: certs/server-key.pem }
servers:
  everything:
    source: npx://@modelcontextprotocol/server-everything@2025.9.25
    sessionMode: per-client
    env: { LOG_LEVEL: debug }
    secrets: { API_KEY: Everything_Key }
    resourceLimits: { memory: 256Mi, cpus: 0.5 }
    securityPolicies:
      mounts: [{ source: ./data, target: /data }]
  fetcher:
    source: image:docker.io/example/fetch:1
    transport: { type: http, port: 3000, path: /rpc, headers: { X-Key: "\${secret:fetch-key}" } }
    securityPolicies: { network: bridge, user: "2000:3000", readOnlyRootfs: false }
  remote:
    url: https://mcp.example.com/mcp
    headers: { Authorization: "Bearer \${secret:remote-token}" }
  off:
    source: npx://@modelcontextprotocol/server-memory@2025.9.25
    enabled: false
`;

function input(overrides: Partial<KubernetesExportInput> = {}): KubernetesExportInput {
  const loaded = parseConfigText(CONFIG, { path: '/home/me/project/mcpman.yaml' });
  return {
    config: loaded.config,
    raw: loaded.document.toJS(),
    configDir: loaded.dir,
    namespace: 'tools',
    replicas: 2,
    redisImage: 'docker.io/library/redis:7-alpine',
    mcpmanImage: 'localhost/mcpman/mcpman:0.1.0-abc',
    images: {
      everything: {
        image: 'localhost/mcpman/npx-everything-bridged:123',
        command: [
          '/usr/local/bin/node',
          '/opt/mcpman/launch.mjs',
          '/app/node_modules/.bin/mcp-server-everything',
        ],
      },
      fetcher: { image: 'docker.io/example/fetch:1', command: ['/srv/fetch', '--port', '3000'] },
    },
    ...overrides,
  };
}

/** The written files, parsed back from YAML as `kubectl` would read them. */
function written(overrides: Partial<KubernetesExportInput> = {}): Map<string, Record<string, unknown>[]> {
  const result = exportKubernetes(input(overrides));
  return new Map(
    result.files.map((file) => [
      file.name,
      YAML.parseAllDocuments(manifestText(file.objects)).map((doc) => doc.toJS() as Record<string, unknown>),
    ]),
  );
}

function find(
  files: Map<string, Record<string, unknown>[]>,
  kind: string,
  name: string,
): Record<string, unknown> {
  const found = [...files.values()]
    .flat()
    .find((o) => o['kind'] === kind && (o['metadata'] as { name: string }).name === name);
  if (found === undefined) throw new Error(`no ${kind} ${name}`);
  return found;
}

// The pod spec of a Deployment, typed loosely for assertions.
function podOf(object: Record<string, unknown>): {
  securityContext: Record<string, unknown>;
  automountServiceAccountToken: boolean;
  containers: Record<string, unknown>[];
  volumes: Record<string, unknown>[];
} {
  return (object as { spec: { template: { spec: ReturnType<typeof podOf> } } }).spec.template.spec;
}

describe('exportKubernetes', () => {
  it('writes only objects that pass the Kubernetes OpenAPI schema of their kind', () => {
    const files = written();
    expect([...files.keys()]).toEqual([
      'namespace.yaml',
      'gateway.yaml',
      'redis.yaml',
      'server-everything.yaml',
      'server-fetcher.yaml',
    ]);
    let checked = 0;
    for (const object of [...files.values()].flat()) {
      const Model = MODELS[`${String(object['apiVersion'])}/${String(object['kind'])}`];
      expect(Model, `${String(object['kind'])} has a schema`).toBeDefined();
      if (Model === undefined) continue;
      new Model(object as never).validate();
      checked += 1;
    }
    // 2 namespace + 4 gateway + 3 Redis + 4 everything (with its volume claim) + 3 fetcher
    expect(checked).toBe(16);
  });

  it('the schema check can fail: a Deployment without a selector is refused', () => {
    const gateway = find(written(), 'Deployment', 'mcpman-gateway');
    const broken = structuredClone(gateway) as { spec: Record<string, unknown> };
    delete broken.spec['selector'];
    expect(() => {
      new Deployment(broken as never).validate();
    }).toThrow(/selector/);
  });

  it('runs a stdio server behind the stdio bridge in its pod, with its own command after --', () => {
    const pod = podOf(find(written(), 'Deployment', 'mcpman-server-everything'));
    const container = pod.containers[0] ?? {};
    expect(container['image']).toBe('localhost/mcpman/npx-everything-bridged:123');
    expect(container['command']).toEqual([
      '/opt/mcpman/runtime/lib/ld.so',
      '--library-path',
      '/opt/mcpman/runtime/lib',
      '/opt/mcpman/runtime/bin/node',
      '/opt/mcpman/app/mcpman.mjs',
      'stdio-bridge',
      '--host',
      '0.0.0.0',
      '--port',
      '8080',
      '--max-sessions',
      // per-client: one process per client session, the pool's max for each gateway replica.
      '64',
      // the gateway's sessionIdleTimeout (10m) and five minutes more
      '--idle-timeout',
      '900s',
      '--',
    ]);
    expect(container['args']).toEqual(input().images['everything']?.command);
    expect(container['readinessProbe']).toMatchObject({ httpGet: { path: '/readyz', port: 8080 } });
  });

  it("turns the config's hardening into securityContext and resources", () => {
    const files = written();
    const everything = podOf(find(files, 'Deployment', 'mcpman-server-everything'));
    expect(everything.automountServiceAccountToken).toBe(false);
    expect(everything.securityContext).toEqual({
      runAsUser: 1000,
      runAsGroup: 1000,
      fsGroup: 1000,
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    const container = everything.containers[0] ?? {};
    expect(container['securityContext']).toEqual({
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(container['resources']).toEqual({
      limits: { memory: String(256 * 1024 * 1024), cpu: '500m' },
      requests: { memory: String(256 * 1024 * 1024), cpu: '50m' },
    });
    const fetcher = podOf(find(files, 'Deployment', 'mcpman-server-fetcher'));
    expect(fetcher.securityContext).toMatchObject({ runAsUser: 2000, runAsGroup: 3000 });
    expect(fetcher.containers[0]?.['securityContext']).toMatchObject({ readOnlyRootFilesystem: false });
    expect(fetcher.containers[0]?.['command']).toEqual(['/srv/fetch', '--port', '3000']);
  });

  it('refers to secrets by Secret name only, and says how to create each', () => {
    const result = exportKubernetes(input());
    const text = result.files.map((file) => manifestText(file.objects)).join('\n');
    const container = podOf(find(written(), 'Deployment', 'mcpman-server-everything')).containers[0] ?? {};
    expect(container['env']).toEqual([
      { name: 'LOG_LEVEL', value: 'debug' },
      {
        name: 'API_KEY',
        valueFrom: { secretKeyRef: { name: kubernetesSecretName('Everything_Key'), key: 'value' } },
      },
    ]);
    expect(kubernetesSecretName('Everything_Key')).toMatch(/^mcpman-secret-everything-key-[0-9a-f]{8}$/);
    expect(kubernetesSecretName('fetch-key')).toBe('mcpman-secret-fetch-key');
    expect(result.secrets.map((s) => s.kubernetesName).sort()).toEqual(
      [
        'mcpman-gateway-tls',
        'mcpman-secret-fetch-key',
        'mcpman-secret-remote-token',
        'mcpman-secret-mcpman-redis-password',
        kubernetesSecretName('Everything_Key'),
      ].sort(),
    );
    expect(text).not.toMatch(/kind: Secret\b/);
    const script = secretsScript(result.secrets);
    expect(script).toContain(
      "ask 'remote-token' | kubectl -n tools create secret generic mcpman-secret-remote-token --from-file=value=/dev/stdin",
    );
    expect(script).toContain(
      "create secret generic mcpman-gateway-tls --from-file=tls.crt='/home/me/project/certs/server.pem' --from-file=tls.key='/home/me/project/certs/server-key.pem'",
    );
    // The bundled Redis's password is made by the script, asked of nobody, written nowhere.
    expect(script).toContain(
      'generate | kubectl -n tools create secret generic mcpman-secret-mcpman-redis-password --from-file=value=/dev/stdin',
    );
  });

  it('keeps credentials out of the ConfigMap: Redis gets a password, a Redis URL with one and OTLP keys go to Secrets', () => {
    const files = written();
    const redis = podOf(find(files, 'Deployment', 'mcpman-redis')).containers[0] ?? {};
    expect(redis['args']).toEqual(expect.arrayContaining(['--requirepass', '$(REDIS_PASSWORD)']));
    expect(redis['args']).not.toContain('--protected-mode');
    const gateway = podOf(find(files, 'Deployment', 'mcpman-gateway'));
    expect(JSON.stringify(gateway.volumes)).toContain('mcpman-secret-mcpman-redis-password');
    const withSecrets = (config: string, extra: Partial<KubernetesExportInput> = {}) => {
      const loaded = parseConfigText(config, { path: '/home/me/project/mcpman.yaml' });
      const result = exportKubernetes(
        input({ config: loaded.config, raw: loaded.document.toJS(), configDir: loaded.dir, ...extra }),
      );
      const text = result.files.map((file) => manifestText(file.objects)).join('\n');
      return { result, text };
    };
    const external = withSecrets(CONFIG, { redisUrl: 'redis://mcpman:hunter2@redis.internal:6379' });
    expect(external.text).not.toContain('hunter2');
    expect(external.text).toContain('redisUrl: ${secret:mcpman-redis-url}');
    expect(external.result.secrets.map((s) => s.from)).toContain('mcpman-redis-url');
    const traced = withSecrets(
      CONFIG.replace(
        'gateway:\n',
        'gateway:\n  tracing: { otlp: { endpoint: https://otlp.example/v1/traces, headers: { x-api-key: sk-live-123 } } }\n',
      ),
    );
    expect(traced.text).not.toContain('sk-live-123');
    expect(traced.text).toContain('x-api-key: ${secret:mcpman-otlp-x-api-key}');
    expect(traced.result.warnings.join('\n')).toContain(
      'gateway.tracing.otlp.headers.x-api-key is a plain value',
    );
    expect(traced.result.secrets.map((s) => s.from)).toContain('mcpman-otlp-x-api-key');
  });

  it("limits each server's network: only the gateway gets in, and out only with network: bridge", () => {
    const files = written();
    const everything = find(files, 'NetworkPolicy', 'mcpman-server-everything') as {
      spec: Record<string, unknown>;
    };
    expect(everything.spec['policyTypes']).toEqual(['Ingress', 'Egress']);
    expect(everything.spec['egress']).toEqual([]);
    expect(everything.spec['ingress']).toEqual([
      {
        from: [
          {
            podSelector: {
              matchLabels: { 'app.kubernetes.io/name': 'mcpman', 'app.kubernetes.io/component': 'gateway' },
            },
          },
        ],
        ports: [{ protocol: 'TCP', port: 8080 }],
      },
    ]);
    const fetcher = find(files, 'NetworkPolicy', 'mcpman-server-fetcher') as {
      spec: Record<string, unknown>;
    };
    expect(fetcher.spec['egress']).toEqual([{}]);
  });

  it('gives the gateway a derived config: servers as url:s of their Services, state in Redis, files in the pod', () => {
    const files = written();
    const configMap = find(files, 'ConfigMap', 'mcpman-gateway-config') as { data: Record<string, string> };
    const config = parseConfigText(configMap.data['mcpman.yaml'] ?? '').config;
    expect(config.gateway.listen).toBe('0.0.0.0:7420');
    expect(config.gateway.sessionIdleTimeout).toBe(10 * 60_000);
    expect(config.gateway.state).toMatchObject({
      backend: 'redis',
      redisUrl: 'redis://:${secret:mcpman-redis-password}@mcpman-redis:6379',
    });
    expect(config.gateway.auth.tokensFile).toBeUndefined();
    expect(config.gateway.tls).toMatchObject({
      cert: '/etc/mcpman/tls/tls.crt',
      key: '/etc/mcpman/tls/tls.key',
    });
    expect(Object.keys(config.servers)).toEqual(['everything', 'fetcher', 'remote', 'off']);
    expect(config.servers['everything']).toMatchObject({
      source: { type: 'remote', url: 'http://mcpman-server-everything:8080/mcp' },
      sessionMode: 'per-client',
    });
    expect(config.servers['fetcher']?.source).toEqual({
      type: 'remote',
      url: 'http://mcpman-server-fetcher:3000/rpc',
      headers: { 'X-Key': '${secret:fetch-key}' },
    });
    expect(config.servers['remote']?.source).toMatchObject({ url: 'https://mcp.example.com/mcp' });
    expect(config.servers['off']?.enabled).toBe(false);
    const gateway = podOf(find(files, 'Deployment', 'mcpman-gateway'));
    expect(gateway.volumes).toContainEqual({
      name: 'secrets',
      projected: {
        sources: [
          { secret: { name: 'mcpman-secret-fetch-key', items: [{ key: 'value', path: 'fetch-key' }] } },
          {
            secret: {
              name: 'mcpman-secret-mcpman-redis-password',
              items: [{ key: 'value', path: 'mcpman-redis-password' }],
            },
          },
          { secret: { name: 'mcpman-secret-remote-token', items: [{ key: 'value', path: 'remote-token' }] } },
        ],
      },
    });
    // token auth and TLS: nothing is missing, so no --insecure.
    expect(gateway.containers[0]?.['command']).not.toContain('--insecure');
    expect(gateway.containers[0]?.['readinessProbe']).toMatchObject({
      httpGet: { path: '/readyz', scheme: 'HTTPS' },
    });
  });

  it('uses an external Redis when given one, swaps localhost/ for the registry prefix, and skips disabled servers', () => {
    const files = written({
      redisUrl: 'redis://redis.shared:6379/2',
      imagePrefix: 'registry.example.com/team',
    });
    expect(files.has('redis.yaml')).toBe(false);
    expect(files.has('server-off.yaml')).toBe(false);
    const gateway = podOf(find(files, 'Deployment', 'mcpman-gateway'));
    expect(gateway.containers[0]?.['image']).toBe('registry.example.com/team/mcpman/mcpman:0.1.0-abc');
    const fetcher = podOf(find(files, 'Deployment', 'mcpman-server-fetcher'));
    expect(fetcher.containers[0]?.['image']).toBe('docker.io/example/fetch:1');
    const configMap = find(files, 'ConfigMap', 'mcpman-gateway-config') as { data: Record<string, string> };
    expect(configMap.data['mcpman.yaml']).toContain('redisUrl: redis://redis.shared:6379/2');
  });

  it('warns and passes --insecure when the gateway has neither TLS nor authentication', () => {
    const loaded = parseConfigText('version: 1\nservers:\n  remote:\n    url: https://mcp.example.com/mcp\n');
    const result = exportKubernetes({
      ...input(),
      config: loaded.config,
      raw: loaded.document.toJS(),
      images: {},
    });
    expect(result.warnings.join('\n')).toMatch(/--insecure.*TLS.*authentication/);
    const gateway = result.files
      .find((file) => file.name === 'gateway.yaml')
      ?.objects.find((o) => o.kind === 'Deployment');
    expect(JSON.stringify(gateway?.toJSON())).toContain('"--insecure"');
  });

  it('refuses a replica count below one', () => {
    expect(() => exportKubernetes(input({ replicas: 0 }))).toThrow(/--replicas 0/);
  });

  it('writes a kustomization listing every file in the namespace', () => {
    expect(YAML.parse(kustomization('tools', ['namespace.yaml', 'gateway.yaml']))).toEqual({
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      namespace: 'tools',
      resources: ['namespace.yaml', 'gateway.yaml'],
    });
  });
});
