import { request } from 'node:http';
import { MCPError, MCPErrorCode } from '@mcpman/protocol';

export type SocketSource = 'explicit' | 'CONTAINER_HOST' | 'DOCKER_HOST' | 'rootless' | 'rootful';

export interface SocketCandidate {
  readonly path: string;
  readonly source: SocketSource;
}

/** Where Podman's API socket usually is, in the order a user expects them to win. */
export function socketCandidates(
  env: NodeJS.ProcessEnv = process.env,
  uid = process.getuid?.() ?? 0,
): SocketCandidate[] {
  const out: SocketCandidate[] = [];
  const fromUrl = (value: string | undefined, source: SocketSource): void => {
    if (value?.startsWith('unix://') === true) out.push({ path: value.slice('unix://'.length), source });
  };
  fromUrl(
    env['MCPMAN_ENGINE_SOCKET'] === undefined ? undefined : `unix://${env['MCPMAN_ENGINE_SOCKET']}`,
    'explicit',
  );
  fromUrl(env['CONTAINER_HOST'], 'CONTAINER_HOST');
  fromUrl(env['DOCKER_HOST'], 'DOCKER_HOST');
  const runtimeDir = env['XDG_RUNTIME_DIR'] ?? `/run/user/${uid}`;
  if (uid !== 0) out.push({ path: `${runtimeDir}/podman/podman.sock`, source: 'rootless' });
  out.push({ path: '/run/podman/podman.sock', source: 'rootful' });
  if (uid === 0) out.push({ path: `${runtimeDir}/podman/podman.sock`, source: 'rootless' });
  return out.filter((candidate, index) => out.findIndex((c) => c.path === candidate.path) === index);
}

/** Does a Podman (or Docker-compatible) API answer `/_ping` on this socket? */
export function pingSocket(path: string, timeoutMs = 2_000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath: path, path: '/_ping', method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
    req.on('error', () => {
      resolve(false);
    });
    req.end();
  });
}

/** The first candidate socket that answers; an error listing what was tried otherwise. */
export async function discoverEngineSocket(
  env: NodeJS.ProcessEnv = process.env,
  ping: (path: string) => Promise<boolean> = pingSocket,
): Promise<SocketCandidate> {
  const candidates = socketCandidates(env);
  for (const candidate of candidates) {
    if (await ping(candidate.path)) return candidate;
  }
  throw new MCPError(
    MCPErrorCode.EngineUnavailable,
    `no Podman API socket answered (tried ${candidates.map((c) => `${c.path} [${c.source}]`).join(', ')})`,
    {
      hint: 'Start it with `podman system service --time=0 unix:///run/podman/podman.sock &` (or run `npm run setup`), or set CONTAINER_HOST=unix:///path/to/podman.sock.',
    },
  );
}
