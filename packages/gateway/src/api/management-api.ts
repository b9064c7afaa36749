import { MCPError, MCPErrorCode, SERVER_STATES } from '@mcpman/core';
import type { EventBus, ManagerEvent, ServerState, ServerStatus } from '@mcpman/core';
import { readJson, sendError, sendJson } from '../http/respond.js';
import type { Router } from '../http/router.js';
import { openSse } from '../http/sse.js';

export interface DaemonInfo {
  readonly version: string;
  readonly pid: number;
  readonly configPath: string;
  readonly startedAt: number;
  readonly engineSocket: string;
}

export interface ServerDetail {
  readonly status: ServerStatus;
  readonly logs: readonly { readonly at: number; readonly line: string }[];
}

/** What the management API needs from the manager (the CLI daemon, or the extension). */
export interface ManagementBackend {
  readonly bus: EventBus;
  info(): DaemonInfo;
  servers(): readonly ServerStatus[];
  server(name: string): ServerDetail | undefined;
  restart(name: string): Promise<void>;
  /** Re-read the config file and reconcile; resolves once the work has started. */
  reload(): Promise<void>;
  /** Stop every server, remove what was created, and exit. */
  shutdown(): void;
}

export interface ManagementApiOptions {
  readonly heartbeatMs: number;
  readonly maxRequestBytes: number;
}

function notFound(name: string): MCPError {
  return new MCPError(MCPErrorCode.ServerNotFound, `no server named "${name}"`, {
    hint: 'GET /api/v1/servers lists them.',
  });
}

/** Counts of servers by state: what `/readyz` and `mcpman status` summarise. */
export function stateCounts(servers: readonly ServerStatus[]): Record<ServerState, number> {
  const counts = Object.fromEntries(SERVER_STATES.map((state) => [state, 0])) as Record<ServerState, number>;
  for (const server of servers) counts[server.state] += 1;
  return counts;
}

/**
 * `/healthz`, `/readyz` and `/api/v1/…`: the manager's own API, used by the CLI, the dashboard
 * and the extension. `/api/v1/events` streams every manager event as SSE.
 */
export function registerManagementApi(
  router: Router,
  backend: ManagementBackend,
  options: ManagementApiOptions,
): void {
  router.get('/healthz', (_req, res) => {
    sendJson(res, 200, { ok: true });
  });

  router.get('/readyz', (_req, res) => {
    const servers = backend.servers();
    const ready = servers.every((server) => server.state === 'ready');
    sendJson(res, ready ? 200 : 503, {
      ready,
      servers: Object.fromEntries(servers.map((s) => [s.name, s.state])),
    });
  });

  router.get('/api/v1/info', (_req, res) => {
    sendJson(res, 200, backend.info());
  });

  router.get('/api/v1/servers', (_req, res) => {
    const servers = backend.servers();
    sendJson(res, 200, { servers, counts: stateCounts(servers) });
  });

  router.get('/api/v1/servers/:name', (_req, res, params) => {
    const name = params['name'] ?? '';
    const detail = backend.server(name);
    if (detail === undefined) sendError(res, notFound(name));
    else sendJson(res, 200, detail);
  });

  router.post('/api/v1/servers/:name/restart', async (req, res, params) => {
    await readJson(req, options.maxRequestBytes);
    const name = params['name'] ?? '';
    if (backend.server(name) === undefined) throw notFound(name);
    await backend.restart(name);
    sendJson(res, 202, { ok: true });
  });

  router.post('/api/v1/reload', async (req, res) => {
    await readJson(req, options.maxRequestBytes);
    await backend.reload();
    sendJson(res, 202, { ok: true });
  });

  router.post('/api/v1/shutdown', async (req, res) => {
    await readJson(req, options.maxRequestBytes);
    sendJson(res, 202, { ok: true });
    backend.shutdown();
  });

  router.get('/api/v1/events', (_req, res) => {
    const stream = openSse(res, options.heartbeatMs);
    // A snapshot first, so a client needs no separate request to know where things stand.
    stream.send('snapshot', JSON.stringify({ servers: backend.servers() }));
    const subscription = backend.bus.on((event: ManagerEvent) => {
      stream.send(event.type, JSON.stringify(event));
    });
    stream.onClose(() => {
      subscription.dispose();
    });
  });
}
