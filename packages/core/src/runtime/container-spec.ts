import { isAbsolute, join, resolve } from 'node:path';
import type { MCPServerConfig } from '../config/schema.js';
import type { ContainerCreateSpec, SpecMount, SpecSecret } from '../engine/create-spec.js';
import { STDIO_PIPES_ENV, STDIO_PIPES_TARGET } from '../upstream/stdio-pipes.js';
import { canonicalJson, sha256 } from '@mcpman/protocol';
import { LABEL, containerName, isolatedNetworkName } from './labels.js';
import { ownerLabels } from './owner.js';
import type { ManagerOwner } from './owner.js';

/** Where secret files land inside a container. `/run/secrets` is special-cased by Podman 4. */
export const SECRETS_DIR = '/run/mcpman/secrets';
/** Names (never values) of the env vars to fill from secret files, for the in-container launcher. */
export const SECRET_ENV_VAR = 'MCPMAN_SECRET_ENV';
/** Bump when the way specs are built changes, so existing containers are recreated. */
export const SPEC_VERSION = '1';

/** How the image was made, which decides how secrets become environment variables. */
export interface ResolvedImage {
  /** Image id (so a rebuilt tag recreates containers). */
  readonly id: string;
  readonly ref: string;
  /**
   * Images built from npx:// and pypi:// sources run our launcher (Node's or Python's), which
   * reads secret files and takes the stdio FIFOs itself; other images get a shell wrapper.
   */
  readonly launcher: 'node' | 'python' | 'none';
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
}

export interface SpecInput {
  readonly name: string;
  /** The manager the container belongs to: its labels and part of its name. */
  readonly owner: ManagerOwner;
  readonly server: MCPServerConfig;
  readonly image: ResolvedImage;
  /** Directory relative mount sources are resolved against (the config file's). */
  readonly configDir: string;
  /** Extra labels, e.g. for per-client session containers. */
  readonly extraLabels?: Readonly<Record<string, string>>;
  /** Overrides the container name (per-client sessions). */
  readonly containerName?: string;
  /**
   * Root of the host directories with each container's stdin/stdout FIFOs (see
   * stdio-channel.ts): the MCP traffic of a stdio server then goes through them instead of the
   * engine's attach stream. Used only for images that run our launcher.
   */
  readonly stdioPipes?: string;
}

/** The network a server really gets: http servers cannot be reached without one. */
export function effectiveNetwork(server: MCPServerConfig): 'none' | 'isolated' | 'bridge' {
  return server.securityPolicies.network ?? (server.transport.type === 'http' ? 'isolated' : 'none');
}

/** Everything that decides what the container looks like; a change here means recreate. */
export function configHash(
  name: string,
  server: MCPServerConfig,
  image: ResolvedImage,
  stdioPipes = false,
): string {
  return sha256(
    canonicalJson({ v: SPEC_VERSION, name, server, image: image.id, ...(stdioPipes ? { pipes: 1 } : {}) }),
  );
}

/**
 * The whole command line a server's container runs: the config's entrypoint or the image's,
 * then the config's args, or the image's CMD when neither entrypoint nor args are set (an
 * entrypoint set in the config drops the image's CMD, as with `podman run --entrypoint`).
 */
export function serverCommandLine(
  server: Pick<MCPServerConfig, 'entrypoint' | 'args'>,
  image: Pick<ResolvedImage, 'entrypoint' | 'cmd'>,
): string[] {
  const args = server.args.length > 0 ? server.args : undefined;
  return [
    ...(server.entrypoint ?? image.entrypoint),
    ...(args ?? (server.entrypoint === undefined ? image.cmd : [])),
  ];
}

/** A shell wrapper that exports each secret file as an env var, then runs the real command. */
function shellSecretWrapper(secrets: Readonly<Record<string, string>>, command: readonly string[]): string[] {
  const exports = Object.entries(secrets)
    .map(([variable, secret]) => `${variable}="$(cat '${SECRETS_DIR}/${secret}')"; export ${variable}`)
    .join('; ');
  return ['/bin/sh', '-c', `${exports}; exec "$@"`, 'mcpman-launch', ...command];
}

/**
 * Config → libpod create spec, with the hardening every server gets whatever its config says:
 * all capabilities dropped, no new privileges, a non-root user, limits, tmpfs for /tmp and /run,
 * mounts only as declared (read-only unless said otherwise), and secrets as files (never env in
 * the container config, where `podman inspect` would show them).
 */
export function buildContainerSpec(input: SpecInput): ContainerCreateSpec {
  const { name, server, image } = input;
  const policy = server.securityPolicies;
  const limits = server.resourceLimits;
  const network = effectiveNetwork(server);
  const pipesRoot =
    server.transport.type === 'stdio' && image.launcher !== 'none' ? input.stdioPipes : undefined;
  const pipes = pipesRoot !== undefined;
  const hash = configHash(name, server, image, pipes);
  const ownName = input.containerName ?? containerName(input.owner.id, name);

  const mounts: SpecMount[] = [
    {
      destination: '/tmp',
      type: 'tmpfs',
      source: 'tmpfs',
      options: [`size=${policy.tmpfsSize}`, 'mode=1777', 'nosuid', 'nodev'],
    },
    {
      destination: '/run',
      type: 'tmpfs',
      source: 'tmpfs',
      options: ['size=1m', 'mode=755', 'nosuid', 'nodev', 'noexec'],
    },
    ...policy.mounts.map((mount): SpecMount => ({
      destination: mount.target,
      type: 'bind',
      source: isAbsolute(mount.source) ? mount.source : resolve(input.configDir, mount.source),
      options: ['rbind', mount.readOnly ? 'ro' : 'rw', 'nosuid', 'nodev'],
    })),
  ];
  const env: Record<string, string> = { ...server.env };
  if (pipesRoot !== undefined) {
    // Read-only still lets the FIFOs be opened for writing; the server cannot add files there.
    mounts.push({
      destination: STDIO_PIPES_TARGET,
      type: 'bind',
      source: join(pipesRoot, ownName),
      options: ['rbind', 'ro', 'nosuid', 'nodev', 'noexec', 'Z'],
    });
    env[STDIO_PIPES_ENV] = STDIO_PIPES_TARGET;
  }

  const [uid = 1000, gid = uid] = policy.user.split(':').map(Number);
  const secrets: SpecSecret[] = Object.values(server.secrets).map((secret) => ({
    source: secret,
    target: `${SECRETS_DIR}/${secret}`,
    uid,
    gid,
    mode: 0o400,
  }));
  const hasSecrets = secrets.length > 0;
  let entrypoint = server.entrypoint;
  let command: readonly string[] | undefined = server.args.length > 0 ? server.args : undefined;
  if (hasSecrets && image.launcher !== 'none') {
    env[SECRET_ENV_VAR] = Object.entries(server.secrets)
      .map(([variable, secret]) => `${variable}=${secret}`)
      .join(',');
  } else if (hasSecrets) {
    entrypoint = shellSecretWrapper(server.secrets, serverCommandLine(server, image));
    command = [];
  }

  const isolatedNetwork = isolatedNetworkName(input.owner.id, name);
  return {
    name: ownName,
    image: image.ref,
    ...(entrypoint === undefined ? {} : { entrypoint }),
    ...(command === undefined ? {} : { command }),
    env,
    labels: {
      ...server.labels,
      [LABEL.managed]: 'true',
      ...ownerLabels(input.owner),
      [LABEL.server]: name,
      [LABEL.configHash]: hash,
      [LABEL.transport]: server.transport.type,
      [LABEL.role]: 'server',
      ...input.extraLabels,
    },
    // With pipes, the server's stdin is a FIFO and the engine's is not used.
    stdin: server.transport.type === 'stdio' && !pipes,
    terminal: false,
    user: policy.user,
    read_only_filesystem: policy.readOnlyRootfs,
    no_new_privileges: true,
    cap_drop: ['ALL'],
    netns: { nsmode: network === 'none' ? 'none' : 'bridge' },
    ...(network === 'isolated' ? { networks: { [isolatedNetwork]: {} } } : {}),
    ...(server.transport.type === 'http' && network === 'bridge'
      ? {
          portmappings: [
            { host_ip: '127.0.0.1', host_port: 0, container_port: server.transport.port, protocol: 'tcp' },
          ],
        }
      : {}),
    resource_limits: {
      // swap = memory: no swap beyond the limit, so the limit is the limit.
      memory: { limit: limits.memory, swap: limits.memory },
      cpu: { quota: Math.round(limits.cpus * 100_000), period: 100_000 },
      pids: { limit: limits.pids },
    },
    mounts,
    ...(hasSecrets ? { secrets } : {}),
    stop_timeout: 5,
    init: true,
    // A stdio server's stdout is the MCP traffic: the engine must not keep it in a log file.
    // The manager keeps its stderr instead (ServerLogStore).
    ...(server.transport.type === 'stdio' ? { log_configuration: { driver: 'none' } } : {}),
  };
}
