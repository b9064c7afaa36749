import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';
import { defaultStateDir, managerStateDir, writeFileAtomic } from '@mcpman/protocol';
import type { ManagerOwner } from '@mcpman/core';
import type { ManagerEndpoint } from './client.js';

/** The state folder every manager shares (tokens, certificates, the audit log). */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  return defaultStateDir(env);
}

/**
 * One manager's own folder: its record, socket, logs. Each config file has one, so managers of
 * two config files run side by side (see core runtime/owner.ts).
 */
export function managerDir(owner: ManagerOwner, env: NodeJS.ProcessEnv = process.env): string {
  return managerStateDir(owner.id, env);
}

const DaemonRecord = z.object({
  pid: z.number().int(),
  url: z.string(),
  configPath: z.string(),
  /** The owner id its containers carry (the config file's). */
  ownerId: z.string(),
  startedAt: z.number(),
  /** host:port of the gRPC listener, when it is on. */
  grpc: z.string().optional(),
  /** The management API's owner-only Unix socket. */
  socket: z.string().optional(),
});
export type DaemonRecord = z.infer<typeof DaemonRecord>;

/** Where the manager serves its management API for the CLI. */
export function controlSocketPath(owner: ManagerOwner, env: NodeJS.ProcessEnv = process.env): string {
  return join(managerDir(owner, env), 'mcpman.sock');
}

/** How to reach the manager a record describes: its socket when it has one. */
export function managerEndpoint(record: DaemonRecord): ManagerEndpoint {
  return record.socket === undefined ? { url: record.url } : { socketPath: record.socket };
}

function recordPath(ownerId: string, env: NodeJS.ProcessEnv): string {
  return join(managerStateDir(ownerId, env), 'daemon.json');
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
  await mkdir(managerStateDir(record.ownerId, env), { recursive: true });
  await writeFileAtomic(recordPath(record.ownerId, env), `${JSON.stringify(record, null, 2)}\n`, {
    mode: 0o600,
  });
}

/** The running manager of `ownerId`, if its record exists and its process is alive; stale records are removed. */
export async function readDaemonRecord(
  ownerId: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<DaemonRecord | undefined> {
  const path = recordPath(ownerId, env);
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

/** Every running manager on this machine (one per config file), oldest first. */
export async function listDaemonRecords(env: NodeJS.ProcessEnv = process.env): Promise<DaemonRecord[]> {
  let owners: string[];
  try {
    owners = await readdir(join(stateDir(env), 'managers'));
  } catch {
    return [];
  }
  const records = await Promise.all(owners.map((id) => readDaemonRecord(id, env)));
  return records
    .filter((record): record is DaemonRecord => record !== undefined)
    .sort((a, b) => a.startedAt - b.startedAt);
}

export async function removeDaemonRecord(
  owner: ManagerOwner,
  pid: number,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const path = recordPath(owner.id, env);
  try {
    const record = DaemonRecord.parse(JSON.parse(await readFile(path, 'utf8')));
    if (record.pid !== pid) return;
  } catch {
    return;
  }
  await rm(path, { force: true });
}

export function daemonLogPath(owner: ManagerOwner, env: NodeJS.ProcessEnv = process.env): string {
  return join(managerDir(owner, env), 'daemon.log');
}
