import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';
import { defaultStateDir, writeFileAtomic } from '@mcpman/core';
import type { ManagerEndpoint } from './client.js';

/** Where the running manager says where it is (and keeps server logs). */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  return defaultStateDir(env);
}

const DaemonRecord = z.object({
  pid: z.number().int(),
  url: z.string(),
  configPath: z.string(),
  startedAt: z.number(),
  /** host:port of the gRPC listener, when it is on. */
  grpc: z.string().optional(),
  /** The management API's owner-only Unix socket. */
  socket: z.string().optional(),
});
export type DaemonRecord = z.infer<typeof DaemonRecord>;

/** Where the manager serves its management API for the CLI. */
export function controlSocketPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(stateDir(env), 'mcpman.sock');
}

/** How to reach the manager a record describes: its socket when it has one. */
export function managerEndpoint(record: DaemonRecord): ManagerEndpoint {
  return record.socket === undefined ? { url: record.url } : { socketPath: record.socket };
}

function recordPath(env: NodeJS.ProcessEnv): string {
  return join(stateDir(env), 'daemon.json');
}

/**
 * Is `pid` a live process? A killed daemon whose parent does not reap it stays a zombie, which
 * signal 0 still reaches: on Linux, its state in /proc says whether it is one.
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

export async function writeDaemonRecord(
  record: DaemonRecord,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  await mkdir(stateDir(env), { recursive: true });
  await writeFileAtomic(recordPath(env), `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
}

/** The running manager, if its record exists and its process is alive; stale records are removed. */
export async function readDaemonRecord(
  env: NodeJS.ProcessEnv = process.env,
): Promise<DaemonRecord | undefined> {
  const path = recordPath(env);
  if (!existsSync(path)) return undefined;
  try {
    const record = DaemonRecord.parse(JSON.parse(await readFile(path, 'utf8')));
    if (isProcessAlive(record.pid)) return record;
  } catch {
    // Unreadable: treat as stale.
  }
  await rm(path, { force: true });
  return undefined;
}

export async function removeDaemonRecord(pid: number, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const path = recordPath(env);
  try {
    const record = DaemonRecord.parse(JSON.parse(await readFile(path, 'utf8')));
    if (record.pid !== pid) return;
  } catch {
    return;
  }
  await rm(path, { force: true });
}

export function daemonLogPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(stateDir(env), 'daemon.log');
}
