import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO, freePort, stop } from './targets.js';

/** Resolves once `child` printed a line matching `ready` (on stdout or stderr). */
function waitFor(child: ChildProcess, ready: RegExp, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (ready.test(output)) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => {
      reject(new Error(`${what} exited with ${String(code)}:\n${output}`));
    });
  });
}

export interface Cluster {
  /** Each replica's `/servers/everything/mcp`. */
  readonly urls: readonly string[];
  readonly stop: () => Promise<void>;
}

/**
 * `replicas` `mcpman gateway` processes of one config sharing a real redis-server
 * (gateway.state: redis), in front of server-everything from npm serving Streamable HTTP on the
 * host (a url: server: `mcpman gateway` runs no containers).
 */
export async function startCluster(replicas: number): Promise<Cluster> {
  const dir = await mkdtemp(join(tmpdir(), 'mcpman-bench-cluster-'));
  const children: ChildProcess[] = [];
  const stopAll = async (): Promise<void> => {
    for (const child of children.reverse()) await stop(child);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const redisPort = await freePort();
    const redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', ''], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(redis);
    await waitFor(redis, /Ready to accept connections/, 'redis-server');
    const everythingPort = await freePort();
    const everything = spawn(
      process.execPath,
      [
        createRequire(import.meta.url).resolve('@modelcontextprotocol/server-everything/dist/index.js'),
        'streamableHttp',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PORT: String(everythingPort) } },
    );
    children.push(everything);
    await waitFor(everything, /listening on port/, 'server-everything');
    const config = join(dir, 'cluster.yaml');
    await writeFile(
      config,
      `version: 1
gateway:
  grpc: { enabled: false }
  state: { backend: redis, redisUrl: "redis://127.0.0.1:${redisPort}" }
servers:
  everything: { url: "http://127.0.0.1:${everythingPort}/mcp" }
`,
    );
    const urls: string[] = [];
    for (let i = 0; i < replicas; i += 1) {
      const port = await freePort();
      const gateway = spawn(
        process.execPath,
        [join(REPO, 'packages/cli/bin/mcpman.js'), 'gateway', '-f', config, '--port', String(port)],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
          env: { ...process.env, MCPMAN_STATE_DIR: join(dir, `state-${i}`) },
        },
      );
      children.push(gateway);
      await waitFor(gateway, /servers ready/, `mcpman gateway replica ${i + 1}`);
      urls.push(`http://127.0.0.1:${port}/servers/everything/mcp`);
    }
    return { urls, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
