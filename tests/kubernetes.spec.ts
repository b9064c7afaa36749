import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { REDIS_PASSWORD_SECRET, kubernetesSecretName } from '@mcpman/integrations';
import { cliEnv, mcpman } from './helpers/cli.js';
import { KubePlay, localRedisImage, manifests } from './helpers/kube.js';
import { inspect, nodeBaseImage, podman } from './helpers/podman.js';
import { EVERYTHING, Workspace } from './helpers/workspace.js';

const TINY = new URL('./fixtures/tiny-server', import.meta.url).pathname;
const REDIS_PASSWORD = randomBytes(18).toString('base64url');

const SCHEMAS: Record<string, new (data: never) => { validate(): void }> = {
  Namespace,
  ServiceAccount,
  ConfigMap,
  Service,
  Deployment,
  PodDisruptionBudget,
  NetworkPolicy,
};

function text(result: unknown): string {
  const content = (result as { content?: { type: string; text?: string }[] }).content ?? [];
  return content.map((part) => part.text ?? '').join('');
}

/** Poll until `check` holds (the pods start on their own schedule), or fail with the last state. */
async function until<T>(what: string, probe: () => Promise<T>, check: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 120_000;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await probe().catch(() => undefined);
    if (last !== undefined && check(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${what} did not happen within 120 s; last: ${JSON.stringify(last)}`);
}

/**
 * `mcpman export k8s` for real: the exported gateway, Redis and server workloads run with
 * `podman kube play` (there is no Kubernetes cluster here), a stdio server behind the stdio bridge
 * in its pod, and a per-client stdio server built from a Containerfile, and the SDK client calls tools through the gateway pod.
 */
describe('mcpman export k8s, played with podman kube play', () => {
  const env = cliEnv();
  let workspace: Workspace;
  let kube: KubePlay;
  let files: string[] = [];
  let objects: Record<string, unknown>[] = [];
  let gateway: URL;

  beforeAll(async () => {
    workspace = await Workspace.create('mcpman-kube-');
    kube = new KubePlay(workspace.dir);
    const config = await workspace.write(
      'mcpman.yaml',
      [
        'version: 1',
        'servers:',
        '  everything:',
        `    source: ${EVERYTHING}`,
        '    resourceLimits: { memory: 384Mi, cpus: 1 }',
        '  tiny:',
        `    source: { build: ${TINY}, buildArgs: { BASE: ${await nodeBaseImage()} } }`,
        '    sessionMode: per-client',
        '',
      ].join('\n'),
    );
    const redisImage = await localRedisImage();
    const exported = await mcpman(env, [
      'export',
      'k8s',
      '-f',
      config,
      '-o',
      workspace.path('k8s'),
      '--namespace',
      'mcpman-test',
      '--replicas',
      '1',
      '--redis-image',
      redisImage,
    ]);
    expect(exported.stderr + exported.stdout).toContain('wrote 6 files');
    expect(exported.code).toBe(0);
    files = (await readdir(workspace.path('k8s'))).sort();
    objects = await manifests(
      workspace.path('k8s'),
      files.filter((file) => file.endsWith('.yaml') && file !== 'kustomization.yaml'),
    );
    // What create-secrets.sh would make: the bundled Redis's password.
    await kube.play(objects, { [kubernetesSecretName(REDIS_PASSWORD_SECRET)]: REDIS_PASSWORD });
    const address = await kube.address('mcpman-gateway');
    gateway = new URL(`http://${address}:7420`);
  });

  afterAll(async () => {
    await kube.cleanup();
    await workspace.dispose();
  });

  it('writes every file with a kustomization, each object valid against the Kubernetes OpenAPI schema', async () => {
    expect(files).toEqual([
      'create-secrets.sh',
      'gateway.yaml',
      'kustomization.yaml',
      'namespace.yaml',
      'redis.yaml',
      'server-everything.yaml',
      'server-tiny.yaml',
    ]);
    const [kustomization] = await manifests(workspace.path('k8s'), ['kustomization.yaml']);
    expect(kustomization).toMatchObject({ kind: 'Kustomization', namespace: 'mcpman-test' });
    expect(kinds()).toEqual({
      ConfigMap: 1,
      Deployment: 4,
      Namespace: 1,
      NetworkPolicy: 3,
      PodDisruptionBudget: 1,
      Service: 4,
      ServiceAccount: 1,
    });
    for (const object of objects) {
      const Schema = SCHEMAS[String(object['kind'])];
      expect(Schema).toBeDefined();
      if (Schema !== undefined) new Schema(object as never).validate();
    }
  });

  it('the gateway pod becomes ready and reaches both servers through their Services', async () => {
    const ready = await until(
      'gateway /readyz with both servers ready',
      async () =>
        (await fetch(new URL('/readyz', gateway))).json() as Promise<{
          ready: boolean;
          servers: Record<string, string>;
        }>,
      (body) => body.ready && body.servers['everything'] === 'ready' && body.servers['tiny'] === 'ready',
    );
    expect(ready.servers).toEqual({ everything: 'ready', tiny: 'ready' });
    // The dashboard ships in the mcpman image too.
    const page = await fetch(new URL('/', gateway));
    expect(await page.text()).toContain('<title>MCP Server Manager</title>');
  });

  it('runs Redis with a password from a Secret, which no ConfigMap holds, and the gateway uses it', async () => {
    const redis = objects.find(
      (o) => o['kind'] === 'Deployment' && (o['metadata'] as { name: string }).name === 'mcpman-redis',
    ) as { spec: { template: { spec: { containers: { args: string[]; env: unknown[] }[] } } } };
    const container = redis.spec.template.spec.containers[0];
    expect(container?.args.slice(-2)).toEqual(['--requirepass', '$(REDIS_PASSWORD)']);
    expect(container?.env).toEqual([
      {
        name: 'REDIS_PASSWORD',
        valueFrom: { secretKeyRef: { name: kubernetesSecretName(REDIS_PASSWORD_SECRET), key: 'value' } },
      },
    ]);
    const configMap = objects.find((o) => o['kind'] === 'ConfigMap') as { data: Record<string, string> };
    expect(configMap.data['mcpman.yaml']).toContain(
      `redis://:\${secret:${REDIS_PASSWORD_SECRET}}@mcpman-redis:6379`,
    );
    const script = await readFile(workspace.path('k8s/create-secrets.sh'), 'utf8');
    expect(script).toContain(
      `generate | kubectl -n mcpman-test create secret generic ${kubernetesSecretName(REDIS_PASSWORD_SECRET)}`,
    );
    // Anyone on the pod network without the password is refused; the gateway (its sessions are
    // in this Redis) works, so it has the password.
    const address = await kube.address('mcpman-redis');
    const cli = (...args: string[]): Promise<string> =>
      promisify(execFile)('redis-cli', ['-h', address, '-p', '6379', ...args]).then((r) => r.stdout.trim());
    expect(await cli('ping')).toMatch(/NOAUTH/);
    expect(await cli('--no-auth-warning', '-a', REDIS_PASSWORD, 'ping')).toBe('PONG');
  });

  it('a client calls a stdio server in its pod through the gateway pod, on /mcp and /servers/<name>/mcp', async () => {
    const all = await connect('/mcp');
    try {
      const names = (await all.listTools()).tools.map((tool) => tool.name);
      expect(names).toEqual(expect.arrayContaining(['everything__echo', 'tiny__whoami']));
      expect(
        text(await all.callTool({ name: 'everything__echo', arguments: { message: 'from a pod' } })),
      ).toBe('Echo: from a pod');
    } finally {
      await all.close();
    }
  });

  it('per-client: each client session of a stdio server gets a server process of its own in the pod', async () => {
    const first = await connect('/servers/tiny/mcp');
    const second = await connect('/servers/tiny/mcp');
    try {
      await first.callTool({ name: 'remember', arguments: { value: 'first' } });
      await second.callTool({ name: 'remember', arguments: { value: 'second' } });
      expect(text(await first.callTool({ name: 'whoami', arguments: {} }))).toMatch(/remembers "first"$/);
      expect(text(await second.callTool({ name: 'whoami', arguments: {} }))).toMatch(/remembers "second"$/);
    } finally {
      await first.close();
      await second.close();
    }
  });

  it("runs each server container with the config's hardening", async () => {
    const { raw } = await inspect(kube.container('mcpman-server-everything', 'server'));
    const [container] = JSON.parse(raw) as {
      Config: { User: string };
      HostConfig: {
        ReadonlyRootfs: boolean;
        CapDrop: string[];
        Memory: number;
        SecurityOpt: string[] | null;
      };
    }[];
    expect(container?.Config.User).toBe('1000:1000');
    expect(container?.HostConfig.ReadonlyRootfs).toBe(true);
    expect(container?.HostConfig.Memory).toBe(384 * 1024 * 1024);
    expect(container?.HostConfig.CapDrop.length).toBeGreaterThan(10);
  });

  it('podman kube down removes every pod and container it played', async () => {
    const pods = (): Promise<string> => podman('pod', 'ps', '--format', '{{.Name}}');
    expect(await pods()).toContain('mcpman-gateway-pod-0');
    await kube.down();
    const left = (await pods()).split('\n').filter((name) => name.startsWith('mcpman-'));
    expect(left).toEqual([]);
    const containers = await podman('ps', '-a', '--format', '{{.Names}}');
    expect(containers.split('\n').filter((name) => name.startsWith('mcpman-'))).toEqual([]);
    // Podman 4.3 keeps a volume per ConfigMap; cleanup() removes it (docs/kubernetes.md says so).
    const volumes = (await podman('volume', 'ls', '--format', '{{.Name}}')).split('\n').filter(Boolean);
    expect(volumes.filter((name) => name.startsWith('mcpman-'))).toEqual([...kube.configMapVolumes]);
  });

  async function connect(path: string): Promise<Client> {
    const client = new Client({ name: 'kube-test', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(path, gateway)));
    return client;
  }

  function kinds(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const object of objects) counts[String(object['kind'])] = (counts[String(object['kind'])] ?? 0) + 1;
    return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
  }
});
