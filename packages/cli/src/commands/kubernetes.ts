import { chmod, mkdir } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { ImageService, McpmanImages, defaultCacheDir, serverCommandLine } from '@mcpman/core';
import { MCPError, MCPErrorCode, writeFileAtomic } from '@mcpman/protocol';
import {
  exportKubernetes,
  kustomization,
  manifestText,
  secretsScript,
  withPrefix,
} from '@mcpman/integrations';
import type { EngineClient, ImageProgress, LoadedConfig } from '@mcpman/core';
import type { ServerImage } from '@mcpman/integrations';
import { ExitCode } from '../io.js';
import type { CliIO, ExitCodeValue } from '../io.js';
import { reportError } from '../errors.js';
import { connectEngine, loadConfig } from './context.js';
import { BUNDLE_DIR } from '../self.js';

export const DEFAULT_REDIS_IMAGE = 'docker.io/library/redis:7-alpine';
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const IMAGE_PREFIX = /^[a-z0-9][a-z0-9.-]*(:\d+)?(\/[a-z0-9._-]+)*\/?$/;

/** Every image a cluster runs for this config, built here when missing. */
export interface ClusterImages {
  readonly mcpman: string;
  readonly servers: Record<string, ServerImage>;
}

/**
 * Resolve (build or pull) each enabled container server's image, build the mcpman image, and
 * give each stdio server its image with the mcpman payload (for the stdio bridge).
 */
export async function clusterImages(
  loaded: LoadedConfig,
  engine: EngineClient,
  io: CliIO,
): Promise<ClusterImages> {
  const progress = (progress: ImageProgress): void => {
    if (progress.phase !== 'building' || progress.message.startsWith('building '))
      io.stderr(`${progress.message}\n`);
  };
  const service = new ImageService({
    engine,
    cacheDir: defaultCacheDir(),
    ...(loaded.config.images.base === undefined ? {} : { baseImage: loaded.config.images.base }),
    npmInstall: loaded.config.images.npmInstall,
    env: io.env,
  });
  const payload = new McpmanImages({ engine, bundleDir: BUNDLE_DIR });
  const mcpman = await payload.mcpmanImage(progress);
  const servers: Record<string, ServerImage> = {};
  for (const [name, server] of Object.entries(loaded.config.servers)) {
    if (!server.enabled || server.source.type === 'remote') continue;
    const resolved = await service.resolve(server.source, loaded.dir, progress);
    const command = serverCommandLine(server, resolved);
    if (command.length === 0)
      throw new MCPError(
        MCPErrorCode.ConfigInvalid,
        `servers.${name}: ${resolved.ref} has no entrypoint or command`,
        {
          hint: 'Give the server an entrypoint: in the config.',
        },
      );
    const image =
      server.transport.type === 'stdio'
        ? await payload.bridgedImage(resolved, mcpman, progress)
        : resolved.ref;
    servers[name] = { image, command };
  }
  return { mcpman: mcpman.ref, servers };
}

export interface ExportK8sOptions {
  readonly file?: string;
  readonly output?: string;
  readonly namespace?: string;
  readonly replicas?: string;
  readonly imagePrefix?: string;
  readonly redisUrl?: string;
  readonly redisImage?: string;
  readonly json?: boolean;
}

function checkOptions(options: ExportK8sOptions): { namespace: string; replicas: number } {
  const namespace = options.namespace ?? 'mcpman';
  if (!DNS_LABEL.test(namespace))
    throw new MCPError(
      MCPErrorCode.ConfigInvalid,
      `--namespace ${namespace}: expected a Kubernetes namespace name (lowercase letters, digits and -, at most 63)`,
    );
  const replicas = Number(options.replicas ?? '2');
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > 100)
    throw new MCPError(
      MCPErrorCode.ConfigInvalid,
      `--replicas ${options.replicas ?? ''}: expected a whole number from 1 to 100`,
    );
  checkPrefix(options.imagePrefix);
  if (options.redisUrl !== undefined && !/^rediss?:\/\/[^\s]+$/.test(options.redisUrl))
    throw new MCPError(
      MCPErrorCode.ConfigInvalid,
      `--redis-url ${options.redisUrl}: expected redis://host:port`,
    );
  return { namespace, replicas };
}

function checkPrefix(prefix: string | undefined): void {
  if (prefix !== undefined && !IMAGE_PREFIX.test(prefix))
    throw new MCPError(
      MCPErrorCode.ConfigInvalid,
      `--image-prefix ${prefix}: expected a registry and optional path, e.g. registry.example.com/team/`,
    );
}

/** `mcpman export k8s`: manifests for the config, with the images they name built here. */
export async function exportK8sCommand(options: ExportK8sOptions, io: CliIO): Promise<ExitCodeValue> {
  try {
    const { namespace, replicas } = checkOptions(options);
    const loaded = await loadConfig(options.file, io);
    const engine = await connectEngine(io);
    const images = await clusterImages(loaded, engine, io);
    const result = exportKubernetes({
      config: loaded.config,
      raw: loaded.document.toJS(),
      configDir: loaded.dir,
      namespace,
      replicas,
      ...(options.imagePrefix === undefined ? {} : { imagePrefix: options.imagePrefix }),
      ...(options.redisUrl === undefined ? {} : { redisUrl: options.redisUrl }),
      redisImage: options.redisImage ?? DEFAULT_REDIS_IMAGE,
      mcpmanImage: images.mcpman,
      images: images.servers,
    });
    const out = resolveOut(options.output, io.cwd);
    await mkdir(out, { recursive: true });
    const written: string[] = [];
    for (const file of result.files) {
      await writeFileAtomic(join(out, file.name), manifestText(file.objects));
      written.push(file.name);
    }
    await writeFileAtomic(join(out, 'kustomization.yaml'), kustomization(namespace, written));
    if (result.secrets.length > 0) {
      await writeFileAtomic(join(out, 'create-secrets.sh'), secretsScript(result.secrets));
      await chmod(join(out, 'create-secrets.sh'), 0o755);
    }
    const pushed = [images.mcpman, ...Object.values(images.servers).map((s) => s.image)].filter((ref) =>
      ref.startsWith('localhost/'),
    );
    if (options.json === true) {
      io.stdout(
        `${JSON.stringify({ dir: out, files: [...written, 'kustomization.yaml'], images: { mcpman: images.mcpman, servers: images.servers }, secrets: result.secrets, warnings: result.warnings }, null, 2)}\n`,
      );
      return ExitCode.Ok;
    }
    io.stdout(
      `wrote ${written.length + 1} files to ${out} (namespace ${namespace}, ${replicas} gateway replica${replicas > 1 ? 's' : ''})\n`,
    );
    for (const warning of result.warnings) io.stdout(`warning: ${warning}\n`);
    io.stdout(
      `\nimages built here (${[...new Set(pushed)].length}); the cluster pulls them from your registry:\n` +
        [...new Set(pushed)].map((ref) => `  ${withPrefix(ref, options.imagePrefix)}\n`).join('') +
        `  push them: mcpman images push${options.file === undefined ? '' : ` -f ${options.file}`} --image-prefix ${options.imagePrefix ?? 'REGISTRY/'}\n`,
    );
    if (result.secrets.length > 0) {
      io.stdout(
        `\nsecrets the manifests reference (values are never written; ${join(out, 'create-secrets.sh')} asks for them):\n` +
          result.secrets.map((secret) => `  ${secret.command}    # ${secret.from}\n`).join(''),
      );
    }
    io.stdout(`\nthen: kubectl apply -k ${out}\n`);
    return ExitCode.Ok;
  } catch (error) {
    return reportError(error, io, options.json === true);
  }
}

function resolveOut(output: string | undefined, cwd: string): string {
  const dir = output ?? 'k8s';
  return isAbsolute(dir) ? dir : resolve(cwd, dir);
}

export interface ImagesPushOptions {
  readonly file?: string;
  readonly imagePrefix?: string;
  readonly tlsVerify?: boolean;
  readonly json?: boolean;
}

/** `mcpman images push --image-prefix REG/`: the images of this config's export, into a registry. */
export async function imagesPushCommand(options: ImagesPushOptions, io: CliIO): Promise<ExitCodeValue> {
  try {
    if (options.imagePrefix === undefined)
      throw new MCPError(
        MCPErrorCode.ConfigInvalid,
        '--image-prefix is required (e.g. registry.example.com/team/)',
      );
    checkPrefix(options.imagePrefix);
    const loaded = await loadConfig(options.file, io);
    const engine = await connectEngine(io);
    const images = await clusterImages(loaded, engine, io);
    const local = [...new Set([images.mcpman, ...Object.values(images.servers).map((s) => s.image)])].filter(
      (ref) => ref.startsWith('localhost/'),
    );
    const pushed: { source: string; target: string }[] = [];
    for (const source of local) {
      const target = withPrefix(source, options.imagePrefix);
      await engine.tagImage(source, target);
      if (options.json !== true) io.stdout(`pushing ${target}\n`);
      try {
        await engine.pushImage(target, { tlsVerify: options.tlsVerify !== false });
      } finally {
        // The registry name was only needed for the push; the local store stays as it was.
        await engine.untagImage(source, target);
      }
      pushed.push({ source, target });
    }
    if (options.json === true) io.stdout(`${JSON.stringify({ pushed }, null, 2)}\n`);
    else io.stdout(`pushed ${pushed.length} image${pushed.length === 1 ? '' : 's'}\n`);
    return ExitCode.Ok;
  } catch (error) {
    return reportError(error, io, options.json === true);
  }
}
