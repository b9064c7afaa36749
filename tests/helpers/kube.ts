import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import * as YAML from 'yaml';
import { podman } from './podman.js';

const run = promisify(execFile);

interface Container {
  args?: string[];
  command?: string[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
}

interface Volume {
  name: string;
  projected?: { sources: { secret: { name: string; items?: { key: string; path: string }[] } }[] };
  secret?: { secretName: string; items?: { key: string; path: string }[] };
  hostPath?: { path: string; type: string };
}

/** The kinds `podman kube play` runs; the others (Service, NetworkPolicy, PDB…) it ignores or refuses. */
const PLAYABLE = new Set(['Deployment', 'ConfigMap', 'PersistentVolumeClaim']);

/** Every object of the manifest files in `dir`, in file order. */
export async function manifests(dir: string, files: readonly string[]): Promise<Record<string, unknown>[]> {
  const objects: Record<string, unknown>[] = [];
  for (const file of files)
    for (const doc of YAML.parseAllDocuments(await readFile(join(dir, file), 'utf8')))
      objects.push(doc.toJS() as Record<string, unknown>);
  return objects;
}

/**
 * A Redis image made from this machine's redis-server and the libraries it links (no registry
 * is reachable here to pull one), running as the non-root user the export's Redis asks for.
 */
export async function localRedisImage(): Promise<string> {
  const ref = 'localhost/mcpman-test/redis:local';
  const dir = await mkdtemp(join(tmpdir(), 'mcpman-redis-image-'));
  try {
    const binary = (await run('sh', ['-c', 'readlink -f "$(command -v redis-server)"'])).stdout.trim();
    const files = [binary, ...(await run('ldd', [binary])).stdout.match(/\/\S+/g)!];
    for (const file of files) {
      const target = join(dir, 'root', file === binary ? '/usr/bin/redis-server' : file);
      await mkdir(dirname(target), { recursive: true });
      await copyFile(file, target);
    }
    await writeFile(
      join(dir, 'Containerfile'),
      'FROM scratch\nCOPY root /\nUSER 999:999\nENTRYPOINT ["/usr/bin/redis-server"]\n',
    );
    await podman('build', '-q', '-t', ref, dir);
    return ref;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Podman 4.3 publishes every declared containerPort on the host (Kubernetes does not: the
 * declaration is informational), so two pods with 8080 collide. The pods are reached on their
 * own addresses here, so the declarations are dropped before playing.
 */
function withoutHostPorts(object: Record<string, unknown>): Record<string, unknown> {
  if (object['kind'] !== 'Deployment') return object;
  const copy = structuredClone(object) as {
    spec: { template: { spec: { containers: Record<string, unknown>[] } } };
  };
  for (const container of copy.spec.template.spec.containers) delete container['ports'];
  return copy;
}

/**
 * Exported manifests run with `podman kube play` on a network of their own. Podman ignores
 * Services, so each Service's name is given to its pod as a network alias instead: what cluster
 * DNS would resolve. Deployment pods are `<name>-pod-0`.
 */
export class KubePlay {
  readonly network = `mcpman-kube-${randomBytes(4).toString('hex')}`;
  private playFile: string | undefined;
  private configMaps: string[] = [];

  constructor(private readonly workDir: string) {}

  /**
   * Play the objects. `secrets` are the values of the Kubernetes Secrets they reference (what
   * create-secrets.sh would make): Podman 4.3 neither mounts Secret volumes (it crashes) nor
   * expands `$(VAR)` in arguments, so both are done here as Kubernetes does them.
   */
  async play(
    objects: readonly Record<string, unknown>[],
    secrets: Readonly<Record<string, string>> = {},
  ): Promise<void> {
    const playable = [];
    for (const object of objects.filter((o) => PLAYABLE.has(String(o['kind'])))) {
      playable.push(await this.withSecrets(withoutHostPorts(object), secrets));
    }
    this.configMaps = playable
      .filter((object) => object['kind'] === 'ConfigMap')
      .map((object) => (object['metadata'] as { name: string }).name);
    // A ConfigMap volume outlives `kube down` on Podman 4.3; one from an earlier run would be reused.
    for (const name of this.configMaps) await podman('volume', 'rm', '-f', name).catch(() => undefined);
    this.playFile = join(this.workDir, 'play.yaml');
    await writeFile(this.playFile, playable.map((object) => YAML.stringify(object)).join('---\n'));
    await podman('network', 'create', this.network);
    await podman('kube', 'play', '--network', this.network, this.playFile);
    for (const object of playable.filter((o) => o['kind'] === 'Deployment')) {
      const name = (object['metadata'] as { name: string }).name;
      const infra = await this.infra(name);
      await podman('network', 'disconnect', this.network, infra);
      await podman('network', 'connect', '--alias', name, this.network, infra);
    }
  }

  /** Secret volumes as folders of files, secretKeyRef values in place, `$(VAR)` expanded. */
  private async withSecrets(
    object: Record<string, unknown>,
    secrets: Readonly<Record<string, string>>,
  ): Promise<Record<string, unknown>> {
    if (object['kind'] !== 'Deployment') return object;
    const copy = structuredClone(object) as {
      metadata: { name: string };
      spec: { template: { spec: { containers: Container[]; volumes?: Volume[] } } };
    };
    const value = (name: string): string => {
      const found = secrets[name];
      if (found === undefined)
        throw new Error(`the manifests reference the Secret ${name}, which the test did not give`);
      return found;
    };
    const pod = copy.spec.template.spec;
    for (const volume of pod.volumes ?? []) {
      const sources =
        volume.projected?.sources.map((s) => s.secret) ??
        (volume.secret === undefined ? [] : [{ name: volume.secret.secretName, items: volume.secret.items }]);
      if (sources.length === 0) continue;
      const dir = join(this.workDir, 'secret-volumes', `${copy.metadata.name}-${volume.name}`);
      await mkdir(dir, { recursive: true });
      for (const source of sources)
        for (const item of source.items ?? [])
          await writeFile(join(dir, item.path), value(source.name), { mode: 0o644 });
      delete volume.projected;
      delete volume.secret;
      volume.hostPath = { path: dir, type: 'Directory' };
    }
    for (const container of pod.containers) {
      const env: Record<string, string> = {};
      for (const variable of container.env ?? []) {
        const ref = variable.valueFrom?.secretKeyRef;
        if (ref !== undefined) {
          variable.value = value(ref.name);
          delete variable.valueFrom;
        }
        if (variable.value !== undefined) env[variable.name] = variable.value;
      }
      const expand = (text: string): string =>
        text.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string) => env[name] ?? whole);
      if (container.args !== undefined) container.args = container.args.map(expand);
      if (container.command !== undefined) container.command = container.command.map(expand);
    }
    return copy;
  }

  private async infra(deployment: string): Promise<string> {
    return (
      await podman('pod', 'inspect', `${deployment}-pod-0`, '--format', '{{.InfraContainerID}}')
    ).trim();
  }

  /** A Deployment pod's address on the play network (the host reaches it directly). */
  async address(deployment: string): Promise<string> {
    const infra = await this.infra(deployment);
    const format = `{{(index .NetworkSettings.Networks "${this.network}").IPAddress}}`;
    return (await podman('inspect', infra, '--format', format)).trim();
  }

  /** The container Podman made for a Deployment's container. */
  container(deployment: string, container: string): string {
    return `${deployment}-pod-0-${container}`;
  }

  /** `podman kube down` of what was played. */
  async down(): Promise<void> {
    if (this.playFile !== undefined) await podman('kube', 'down', this.playFile);
  }

  /** Names of the ConfigMaps played: Podman 4.3 keeps a volume of each after `kube down`. */
  get configMapVolumes(): readonly string[] {
    return this.configMaps;
  }

  /** Whatever is left, even after a failed test: the play, the ConfigMap volumes, the network. */
  async cleanup(): Promise<void> {
    await this.down().catch(() => undefined);
    for (const name of this.configMaps) await podman('volume', 'rm', '-f', name).catch(() => undefined);
    await podman('network', 'rm', '-f', this.network).catch(() => undefined);
  }
}
