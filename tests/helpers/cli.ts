import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { ownerForConfig } from '@mcpman/core';
import { managerStateDir } from '@mcpman/protocol';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(REPO, 'packages/cli/bin/mcpman.js');

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

const stateDirs: string[] = [];
const foreground = new Set<ForegroundManager>();

// Registered when a test file imports this helper: runs after that file's own afterAll hooks
// (which stop its managers), so the state dirs go only once nothing writes to them.
afterAll(async () => {
  for (const manager of [...foreground]) await manager.kill();
  for (const dir of stateDirs.splice(0)) await rm(dir, { recursive: true, force: true, maxRetries: 3 });
});

/** An isolated place for one test file's manager: its own state dir (daemon record, log). */
export function cliEnv(): NodeJS.ProcessEnv {
  const dir = mkdtempSync(join(tmpdir(), 'mcpman-state-'));
  stateDirs.push(dir);
  return { ...process.env, MCPMAN_STATE_DIR: dir, NO_COLOR: '1' };
}

/** Run the real mcpman binary. */
export function mcpman(
  env: NodeJS.ProcessEnv,
  args: readonly string[],
  options: { input?: string; cwd?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env,
      cwd: options.cwd ?? REPO,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `mcpman ${args.join(' ')} did not finish within ${options.timeoutMs ?? 300_000} ms\n${stdout}\n${stderr}`,
        ),
      );
    }, options.timeoutMs ?? 300_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(options.input);
  });
}

export interface DaemonRecord {
  readonly pid: number;
  readonly url: string;
  readonly configPath: string;
  readonly ownerId: string;
  readonly socket?: string;
  readonly grpc?: string;
}

/** One manager's folder in the state dir of `env` (see core managerStateDir). */
export function managerDir(env: NodeJS.ProcessEnv, configPath: string): string {
  return managerStateDir(ownerForConfig(configPath).id, env);
}

/** The managers' folders under the state dir of `env`. */
function managerDirs(env: NodeJS.ProcessEnv): string[] {
  const root = join(env['MCPMAN_STATE_DIR'] ?? '', 'managers');
  try {
    return readdirSync(root).map((id) => join(root, id));
  } catch {
    return [];
  }
}

/** The daemon record of the manager of `configPath`, or of the one manager when there is one. */
export async function daemonRecord(
  env: NodeJS.ProcessEnv,
  configPath?: string,
): Promise<DaemonRecord | undefined> {
  const dirs = configPath === undefined ? managerDirs(env) : [managerDir(env, configPath)];
  for (const dir of dirs) {
    try {
      return JSON.parse(await readFile(join(dir, 'daemon.json'), 'utf8')) as DaemonRecord;
    } catch {
      // Not running: the next one.
    }
  }
  return undefined;
}

/** The background manager's log (of `configPath`, or of every manager this env ran). */
export async function daemonLog(env: NodeJS.ProcessEnv, configPath?: string): Promise<string> {
  const dirs = configPath === undefined ? managerDirs(env) : [managerDir(env, configPath)];
  const logs = await Promise.all(
    dirs.map((dir) => readFile(join(dir, 'daemon.log'), 'utf8').catch(() => '')),
  );
  return logs.join('');
}

export interface StatusJson {
  servers: { name: string; state: string; reason: string; restarts: number; containerId?: string }[];
}

export async function statusJson(env: NodeJS.ProcessEnv): Promise<StatusJson> {
  const result = await mcpman(env, ['status', '--json']);
  if (result.code !== 0) throw new Error(`status failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as StatusJson;
}

/** Stop whatever managers this env started, even if a test failed half-way. */
export async function stopManager(env: NodeJS.ProcessEnv): Promise<void> {
  for (const dir of managerDirs(env)) {
    let record: DaemonRecord;
    try {
      record = JSON.parse(readFileSync(join(dir, 'daemon.json'), 'utf8')) as DaemonRecord;
    } catch {
      continue;
    }
    await mcpman(env, ['down', '-f', record.configPath], { timeoutMs: 120_000 }).catch(() => undefined);
    try {
      process.kill(record.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

/** Alive and not a zombie (a killed daemon whose parent does not reap it stays one). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** A manager in the foreground (`mcpman gateway`, or `up` without --detach), as a test runs it. */
export interface ForegroundManager {
  /** The gateway's base URL, as the manager printed it. */
  readonly url: URL;
  readonly pid: number;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** SIGTERM, as Kubernetes stops a pod; resolves with the exit code. */
  stop(): Promise<number>;
  /** SIGKILL, as a crash; resolves once it is gone. */
  kill(): Promise<void>;
}

/** Start `mcpman <args>` in the foreground; resolves once it prints where its gateway listens. */
export async function startForeground(
  env: NodeJS.ProcessEnv,
  args: readonly string[],
  timeoutMs = 60_000,
): Promise<ForegroundManager> {
  const child = spawn(process.execPath, [BIN, ...args], {
    env,
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number>((resolve) => {
    child.on('exit', (code, signal) => {
      resolve(code ?? (signal === null ? -1 : 128));
    });
  });
  const url = await new Promise<URL>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`mcpman ${args.join(' ')} did not start within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /gateway at (http\S+?)mcp/.exec(output);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(new URL(match[1]));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`mcpman ${args.join(' ')} exited with ${code} before starting:\n${output}`));
    });
  });
  const manager: ForegroundManager = {
    url,
    pid: child.pid ?? -1,
    output: () => output,
    stop: async () => {
      foreground.delete(manager);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
    kill: async () => {
      foreground.delete(manager);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
  foreground.add(manager);
  return manager;
}
