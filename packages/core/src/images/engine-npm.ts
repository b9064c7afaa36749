import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Readable } from 'node:stream';
import * as z from 'zod';
import type { EngineClient } from '../engine/engine-client.js';
import { MCPError, MCPErrorCode } from '@mcpman/protocol';
import { LABEL } from '../runtime/labels.js';

/**
 * Where npm is in the Node images npx:// servers are built on: the official Node images and the
 * base `npm run setup` makes both have it here. Called through node, so no shebang, `env` or
 * PATH lookup is needed inside the image.
 */
export const NPM_CLI_IN_IMAGE = '/usr/local/lib/node_modules/npm/bin/npm-cli.js';

/** What `npm view <pkg>@<version> name version bin` says about one version. */
export const NpmManifest = z.object({
  name: z.string(),
  version: z.string(),
  bin: z.union([z.string(), z.record(z.string(), z.string())]).optional(),
});
export type NpmManifest = z.infer<typeof NpmManifest>;

/** Is there an `npm` on the PATH this process was given? (macOS and Windows users often have none.) */
export function hostHasNpm(env: NodeJS.ProcessEnv = process.env): boolean {
  const names = process.platform === 'win32' ? ['npm.cmd', 'npm.exe', 'npm'] : ['npm'];
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    for (const name of names) {
      try {
        accessSync(join(dir, name), constants.X_OK);
        return true;
      } catch {
        // Not here.
      }
    }
  }
  return false;
}

/**
 * The CA bundle this machine's Node and npm trust beyond the built-in roots (a corporate or
 * intercepting proxy's), so npm in a build container trusts the same registry certificates.
 */
export function hostCaBundle(env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const key of ['NODE_EXTRA_CA_CERTS', 'npm_config_cafile', 'NPM_CONFIG_CAFILE']) {
    const path = env[key];
    if (path !== undefined && path !== '' && existsSync(path)) return readFileSync(path, 'utf8');
  }
  return undefined;
}

/** Proxy and registry settings npm in a container should see, as this process sees them. */
export function npmNetworkEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const keys = [
    'HTTP_PROXY',
    'HTTPS_PROXY',
    'NO_PROXY',
    'http_proxy',
    'https_proxy',
    'no_proxy',
    'npm_config_registry',
    'NPM_CONFIG_REGISTRY',
  ];
  return Object.fromEntries(
    keys.flatMap((key) => {
      const value = env[key];
      return value === undefined || value === '' ? [] : [[key, value]];
    }),
  );
}

const END_OF_CA = '\n--mcpman-end-of-ca--\n';

/**
 * Reads the CA bundle from stdin up to END_OF_CA (attach cannot signal end of input), then runs
 * `npm view` with it. Exit 3 means the image has no npm.
 */
const VIEW_SCRIPT = `
const fs = require('fs'), cp = require('child_process');
const npm = ${JSON.stringify(NPM_CLI_IN_IMAGE)};
if (!fs.existsSync(npm)) { console.error('no npm at ' + npm); process.exit(3); }
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  input += chunk;
  const end = input.indexOf(${JSON.stringify(END_OF_CA)});
  if (end < 0) return;
  process.stdin.pause();
  const env = { ...process.env, npm_config_cache: '/tmp/npm-cache', npm_config_update_notifier: 'false' };
  if (end > 0) { fs.writeFileSync('/tmp/ca.pem', input.slice(0, end)); env.NODE_EXTRA_CA_CERTS = '/tmp/ca.pem'; }
  const r = cp.spawnSync(process.execPath, [npm, 'view', process.argv[1], 'name', 'version', 'bin', '--json'], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  process.exit(r.status === null ? 1 : r.status);
});
`;

/**
 * `npm view` run where the engine is, for a manager without npm on its PATH: a throwaway
 * container of the Node base image (network, no capabilities, removed at once) asks the
 * registry which exact version `version` means and what bins it has.
 */
export async function viewInContainer(
  engine: EngineClient,
  image: string,
  pkg: string,
  version: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<NpmManifest> {
  const id = await engine.createContainer({
    name: `mcpman-npm-view-${randomBytes(4).toString('hex')}`,
    image,
    entrypoint: ['/usr/local/bin/node', '-e', VIEW_SCRIPT, `${pkg}@${version}`],
    env: npmNetworkEnv(env),
    labels: { [LABEL.managed]: 'true', [LABEL.role]: 'npm-view' },
    stdin: true,
    terminal: false,
    user: '1000:1000',
    read_only_filesystem: false,
    no_new_privileges: true,
    cap_drop: ['ALL'],
    netns: { nsmode: 'bridge' },
    resource_limits: {
      memory: { limit: 512 * 1024 * 1024, swap: 512 * 1024 * 1024 },
      cpu: { quota: 100_000, period: 100_000 },
      pids: { limit: 64 },
    },
    mounts: [],
    stop_timeout: 1,
    init: false,
  });
  try {
    const streams = await engine.attachContainer(id);
    const output = collectOutput(streams.frames, 120_000);
    await engine.startContainer(id);
    streams.stdin.write(`${hostCaBundle(env) ?? ''}${END_OF_CA}`);
    const { stdout, stderr } = await output;
    streams.close();
    const exitCode = (await engine.inspectContainer(id))?.exitCode ?? -1;
    if (exitCode === 3) {
      throw new MCPError(MCPErrorCode.ImageBuildFailed, `the Node base image ${image} has no npm`, {
        hint: 'npm is not on the PATH here either: install npm, use the official Node image (images.base), or rebuild the local base with `npm run setup`.',
      });
    }
    if (exitCode !== 0) {
      throw new MCPError(
        MCPErrorCode.PackageInstallFailed,
        `resolving ${pkg}@${version} in a container: ${stderr.trim().split('\n').slice(-5).join('\n') || `exit ${exitCode}`}`,
        {
          hint: 'Check the package name and version, and that the npm registry is reachable from the engine.',
        },
      );
    }
    const parsed = z.union([NpmManifest, z.array(NpmManifest)]).parse(JSON.parse(stdout));
    const manifest = Array.isArray(parsed) ? parsed[parsed.length - 1] : parsed;
    if (manifest === undefined)
      throw new MCPError(MCPErrorCode.PackageInstallFailed, `no version of ${pkg} matches ${version}`);
    return manifest;
  } finally {
    await engine.removeContainer(id);
  }
}

/** stdout and stderr of an attached container until it exits, or `timeoutMs` pass. */
function collectOutput(frames: Readable, timeoutMs: number): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      frames.destroy();
      reject(new MCPError(MCPErrorCode.EngineTimeout, `npm view took longer than ${timeoutMs / 1000} s`));
    }, timeoutMs);
    frames.on('data', (frame: { stream: string; payload: Buffer }) => {
      if (frame.stream === 'stdout') stdout += frame.payload.toString('utf8');
      else if (frame.stream === 'stderr') stderr += frame.payload.toString('utf8');
    });
    const done = (): void => {
      clearTimeout(timer);
      resolve({ stdout, stderr });
    };
    frames.once('end', done);
    frames.once('close', done);
    frames.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/**
 * The Containerfile of an npx:// image installed on the engine: npm runs in a build stage of
 * the base image (with the host's CA bundle, if any, so an intercepting proxy is trusted), and
 * the final stage is the one the host path builds: the same node_modules, launcher and entry.
 */
export function engineInstallContainerfile(base: string, binInImage: string, withCa: boolean): string {
  return [
    `FROM ${base} AS install`,
    'USER root',
    'WORKDIR /stage',
    'COPY package.json /stage/package.json',
    ...(withCa ? ['COPY ca.pem /stage/ca.pem', 'ENV NODE_EXTRA_CA_CERTS=/stage/ca.pem'] : []),
    'ENV npm_config_cache=/tmp/npm-cache npm_config_update_notifier=false',
    `RUN ["/usr/local/bin/node", ${JSON.stringify(NPM_CLI_IN_IMAGE)}, "install", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund", "--no-package-lock", "--loglevel=error"]`,
    '',
    `FROM ${base}`,
    'COPY --from=install /stage/node_modules /app/node_modules',
    ...finalStage(binInImage),
  ].join('\n');
}

/** The part of an npx:// image both paths share (keep the host path's Containerfile in step). */
export function finalStage(binInImage: string): string[] {
  return [
    'COPY launch.mjs /opt/mcpman/launch.mjs',
    'USER 1000:1000',
    'WORKDIR /app',
    `ENTRYPOINT ["/usr/local/bin/node", "/opt/mcpman/launch.mjs", ${JSON.stringify(binInImage)}]`,
    'CMD []',
    '',
  ];
}
