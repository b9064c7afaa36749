import { existsSync } from 'node:fs';
import { EngineClient, loadConfigFile, ownerForConfig, resolveConfigPath } from '@mcpman/core';
import { MCPError, MCPErrorCode } from '@mcpman/protocol';
import type { LoadedConfig, ManagerOwner } from '@mcpman/core';
import type { CliIO } from '../io.js';
import { ManagementClient } from '../daemon/client.js';
import { listDaemonRecords, managerEndpoint, readDaemonRecord } from '../daemon/state.js';
import type { DaemonRecord } from '../daemon/state.js';

export interface RunningManager {
  readonly record: DaemonRecord;
  readonly client: ManagementClient;
}

/**
 * Which manager a command is about. Each config file has its own manager (and owner id on its
 * containers); the command names one with `-f`/$MCPMAN_CONFIG, finds one in the current folder,
 * or, with neither, means the one manager that runs.
 */
export interface ManagerChoice {
  /** Undefined only when several managers run and nothing says which. */
  readonly owner: ManagerOwner | undefined;
  /** The config file chosen (it may not exist). */
  readonly configPath: string | undefined;
  /** The chosen owner's manager, when it runs and answers. */
  readonly running: RunningManager | undefined;
  /** Every manager running on this machine, the chosen one included. */
  readonly records: readonly DaemonRecord[];
}

async function answering(record: DaemonRecord | undefined): Promise<RunningManager | undefined> {
  if (record === undefined) return undefined;
  const client = new ManagementClient(managerEndpoint(record));
  try {
    await client.info();
    return { record, client };
  } catch {
    return undefined;
  }
}

export async function chooseManager(io: CliIO, file?: string): Promise<ManagerChoice> {
  const records = await listDaemonRecords(io.env);
  const explicit = file ?? (io.env['MCPMAN_CONFIG'] === '' ? undefined : io.env['MCPMAN_CONFIG']);
  const path = resolveConfigPath(explicit, io.cwd);
  if (explicit === undefined && !existsSync(path) && records.length > 0) {
    // No config named or here: the one running manager, if there is one only.
    const [only] = records;
    if (records.length > 1 || only === undefined)
      return { owner: undefined, configPath: undefined, running: undefined, records };
    return {
      owner: { id: only.ownerId, name: only.configPath },
      configPath: only.configPath,
      running: await answering(only),
      records,
    };
  }
  const owner = ownerForConfig(path);
  return {
    owner,
    configPath: path,
    running: await answering(await readDaemonRecord(owner.id, io.env)),
    records,
  };
}

/** The error for a command that needs one manager when several run and none was named. */
export function severalManagers(records: readonly DaemonRecord[]): MCPError {
  return new MCPError(
    MCPErrorCode.ConfigInvalid,
    `${records.length} managers are running (${records.map((r) => `${r.configPath}, pid ${r.pid}`).join('; ')}) and no config file says which one is meant`,
    { hint: 'Name one with -f <config file>, or run the command in its folder.' },
  );
}

/** The chosen manager, when it runs and answers. */
export async function runningManager(io: CliIO, file?: string): Promise<RunningManager | undefined> {
  return (await chooseManager(io, file)).running;
}

export function loadConfig(file: string | undefined, io: CliIO): Promise<LoadedConfig> {
  return loadConfigFile(resolveConfigPath(file, io.cwd));
}

export function connectEngine(io: CliIO): Promise<EngineClient> {
  return EngineClient.connect(io.env);
}
