import { VERSION, loadConfigFile } from '@mcpman/core';
import type { EngineClient, McpRuntime } from '@mcpman/core';
import type { ContainerStats } from '@mcpman/gateway';
import type { ManagementBackend } from './management-api.js';

export interface RuntimeBackendOptions {
  readonly runtime: McpRuntime;
  /** The Podman engine; absent for `mcpman gateway` (url: servers only, no containers). */
  readonly engine: EngineClient | undefined;
  readonly configPath: string;
  readonly startedAt: number;
  /** What `POST /api/v1/shutdown` does (the CLI daemon exits; the extension ignores it). */
  readonly shutdown: () => void;
  /** What the user should know about how this manager runs (see Overview.notices). */
  readonly notices?: () => readonly string[];
}

/**
 * The management API over a running McpRuntime: what the CLI daemon and the Podman Desktop
 * extension both serve.
 */
export function runtimeBackend(options: RuntimeBackendOptions): ManagementBackend {
  const { runtime, engine, configPath } = options;
  return {
    bus: runtime.bus,
    info: () => ({
      version: VERSION,
      pid: process.pid,
      configPath,
      startedAt: options.startedAt,
      engineSocket: engine?.socketPath ?? 'none (url: servers only)',
    }),
    servers: () => runtime.status(),
    applied: () => runtime.applied,
    server: (name) => {
      const supervisor = runtime.get(name);
      return supervisor === undefined
        ? undefined
        : { status: supervisor.status(), logs: supervisor.recentLogs };
    },
    restart: async (name) => {
      await runtime.get(name)?.restart();
    },
    start: async (name) => {
      await runtime.get(name)?.start();
    },
    stop: async (name) => {
      await runtime.get(name)?.stop({ remove: false, reason: 'stopped by the user' });
    },
    reload: async () => {
      const loaded = await loadConfigFile(configPath);
      // Resolve once the plan is made (what to create, recreate, remove), so a caller that then
      // follows the servers sees them in transition rather than their state from before.
      await runtime.apply(loaded, { settle: false });
    },
    shutdown: options.shutdown,
    otherServers: async () => (runtime.hasEngine ? runtime.foreignServers() : []),
    notices: options.notices ?? (() => []),
    containerStats: async () => {
      if (engine === undefined) return {};
      const running = runtime.status().filter((s) => s.containerId !== undefined && s.state !== 'stopped');
      const samples = await Promise.all(
        running.map(
          async (s) =>
            [s.name, await engine.containerStats(s.containerId ?? '').catch(() => undefined)] as const,
        ),
      );
      return Object.fromEntries(
        samples.filter((entry): entry is [string, ContainerStats] => entry[1] !== undefined),
      );
    },
  };
}
