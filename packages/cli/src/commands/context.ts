import { EngineClient, loadConfigFile, resolveConfigPath } from '@mcpman/core';
import type { LoadedConfig } from '@mcpman/core';
import type { CliIO } from '../io.js';
import { ManagementClient } from '../daemon/client.js';
import { managerEndpoint, readDaemonRecord } from '../daemon/state.js';
import type { DaemonRecord } from '../daemon/state.js';

export interface RunningManager {
  readonly record: DaemonRecord;
  readonly client: ManagementClient;
}

/** The running manager, when there is one that answers. */
export async function runningManager(io: CliIO): Promise<RunningManager | undefined> {
  const record = await readDaemonRecord(io.env);
  if (record === undefined) return undefined;
  const client = new ManagementClient(managerEndpoint(record));
  try {
    await client.info();
    return { record, client };
  } catch {
    return undefined;
  }
}

export function loadConfig(file: string | undefined, io: CliIO): Promise<LoadedConfig> {
  return loadConfigFile(resolveConfigPath(file, io.cwd));
}

export function connectEngine(io: CliIO): Promise<EngineClient> {
  return EngineClient.connect(io.env);
}
