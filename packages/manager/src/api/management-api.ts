import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { SERVER_STATES } from '@mcpman/core';
import { MCPError, MCPErrorCode, secretRedactor, toMCPError } from '@mcpman/protocol';
import type { EventBus, ForeignServer, TokenStore } from '@mcpman/core';
import type { ManagerEvent, ProfileInfo, ServerState, ServerStatus } from '@mcpman/shared';
import type { AuditLog } from '@mcpman/gateway';
import type { ContainerStats, ServerFigures } from '@mcpman/gateway';
import { readJson, sendError, sendJson } from '@mcpman/gateway';
import type { RouteHandler, RouteParams, Router } from '@mcpman/gateway';
import type { Identity } from '@mcpman/gateway';
import { openSse } from '@mcpman/gateway';

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
  /**
   * False until the config has been applied far enough to know which servers it runs; `/readyz`
   * is 503 until then.
   */
  applied(): boolean;
  server(name: string): ServerDetail | undefined;
  restart(name: string): Promise<void>;
  /** Start a stopped server again (the dashboard's start button). */
  start?(name: string): Promise<void>;
  /** Stop one server, keeping its container (until the next `up` or a start). */
  stop?(name: string): Promise<void>;
  /** Re-read the config file and reconcile; resolves once the work has started. */
  reload(): Promise<void>;
  /** Stop every server, remove what was created, and exit. */
  shutdown(): void;
  /** Container CPU and memory by server, from the engine (for /metrics and the status). */
  containerStats?(): Promise<Readonly<Record<string, ContainerStats>>>;
  /** Server containers of other managers on the same engine (shown read-only). */
  otherServers?(): Promise<readonly ForeignServer[]>;
  /** What the user should know about how this manager runs (see Overview.notices). */
  notices?(): readonly string[];
}

export interface ManagementApiOptions {
  readonly heartbeatMs: number;
  readonly maxRequestBytes: number;
  /**
   * Who may use `/api/v1/…`: resolves with the caller, or undefined once a refusal has been
   * written; `change` says the route changes something. Absent on the owner-only control socket,
   * whose callers are the local user.
   */
  readonly guard?: ManagementGuard;
  /** API tokens, for `/api/v1/tokens`. */
  readonly tokens?: TokenStore;
  readonly audit?: AuditLog;
  /** The config's profiles with what their endpoints list now, for `/api/v1/profiles`. */
  readonly profiles?: () => Promise<readonly ProfileInfo[]>;
  /** Per-server figures (tool calls, errors, CPU, memory) from the gateway's metrics. */
  readonly figures?: () => Promise<Readonly<Record<string, ServerFigures>>>;
  /**
   * Whether `/readyz` may name the servers and their states to this caller (a probe gets only
   * the verdict and counts); absent: it may.
   */
  readonly readyDetail?: (req: IncomingMessage) => Promise<boolean>;
}

const LOCAL: Identity = { name: 'local', kind: 'local', admin: true };

export type ManagementGuard = (
  req: IncomingMessage,
  res: ServerResponse,
  change: boolean,
) => Promise<Identity | undefined>;

const CreateTokenBody = z.strictObject({
  name: z.string(),
  servers: z.array(z.string()).optional(),
  tools: z.array(z.string()).optional(),
  profiles: z.array(z.string()).optional(),
  admin: z.boolean().optional(),
});

/** The error for a server name the manager does not know, with where to find the names. */
export function serverNotFound(name: string, hint = 'GET /api/v1/servers lists them.'): MCPError {
  return new MCPError(MCPErrorCode.ServerNotFound, `no server named "${name}"`, { hint });
}

/** Counts of servers by state: what `/readyz` and `mcpman status` summarise. */
export function stateCounts(servers: readonly ServerStatus[]): Record<ServerState, number> {
  const counts = Object.fromEntries(SERVER_STATES.map((state) => [state, 0])) as Record<ServerState, number>;
  for (const server of servers) counts[server.state] += 1;
  return counts;
}

/**
 * `/healthz`, `/readyz` and `/api/v1/…`: the manager's own API, used by the CLI, the dashboard
 * and the extension. `/api/v1/events` streams every manager event as SSE. Every `/api/v1` route
 * passes the guard (an admin grant when authentication is on); actions that change something
 * are audited; what goes out has secret values redacted.
 */
export function registerManagementApi(
  router: Router,
  backend: ManagementBackend,
  options: ManagementApiOptions,
): void {
  const send = (res: ServerResponse, status: number, body: unknown): void => {
    sendJson(res, status, secretRedactor.redactValue(body));
  };
  type Guarded = (
    req: IncomingMessage,
    res: ServerResponse,
    params: RouteParams,
    who: Identity,
  ) => Promise<void> | void;
  const guardedAs =
    (change: boolean) =>
    (handler: Guarded): RouteHandler =>
    async (req, res, params) => {
      const who = options.guard === undefined ? LOCAL : await options.guard(req, res, change);
      if (who !== undefined) await handler(req, res, params, who);
    };
  const guarded = guardedAs(false);
  const changing = guardedAs(true);
  /** Run a change, with one audit line saying who did it and how it ended. */
  const audited = (
    action: string,
    target: (params: RouteParams) => string | undefined,
    handler: Guarded,
  ): RouteHandler =>
    changing(async (req, res, params, who) => {
      const started = performance.now();
      const entry = {
        who: who.name,
        via: 'api',
        action,
        ...(target(params) === undefined ? {} : { target: target(params) }),
      };
      try {
        await handler(req, res, params, who);
        options.audit?.record({
          ...entry,
          outcome: 'ok',
          durationMs: Math.round(performance.now() - started),
        });
      } catch (error) {
        const failure = toMCPError(error);
        options.audit?.record({
          ...entry,
          outcome: 'error',
          error: `${failure.code}: ${failure.message}`,
          durationMs: Math.round(performance.now() - started),
        });
        throw error;
      }
    });

  router.get('/healthz', (_req, res) => {
    sendJson(res, 200, { ok: true });
  });

  router.get('/readyz', async (req, res) => {
    const servers = backend.servers();
    const applied = backend.applied();
    const ready = applied && servers.every((server) => server.state === 'ready');
    const detail = options.readyDetail === undefined ? true : await options.readyDetail(req);
    sendJson(res, ready ? 200 : 503, {
      ready,
      ...(applied ? {} : { reason: 'the config is still being applied' }),
      ...(detail
        ? { servers: Object.fromEntries(servers.map((s) => [s.name, s.state])) }
        : { counts: stateCounts(servers) }),
    });
  });

  router.get(
    '/api/v1/info',
    guarded((_req, res) => {
      send(res, 200, backend.info());
    }),
  );

  router.get(
    '/api/v1/profiles',
    guarded(async (_req, res) => {
      send(res, 200, { profiles: (await options.profiles?.()) ?? [] });
    }),
  );

  router.get(
    '/api/v1/servers',
    guarded(async (_req, res) => {
      const servers = backend.servers();
      const figures = (await options.figures?.()) ?? {};
      send(res, 200, { servers, counts: stateCounts(servers), figures });
    }),
  );

  router.get(
    '/api/v1/servers/:name',
    guarded((_req, res, params) => {
      const name = params['name'] ?? '';
      const detail = backend.server(name);
      if (detail === undefined) sendError(res, serverNotFound(name));
      else send(res, 200, detail);
    }),
  );

  router.post(
    '/api/v1/servers/:name/restart',
    audited(
      'server.restart',
      (params) => params['name'],
      async (req, res, params) => {
        await readJson(req, options.maxRequestBytes);
        const name = params['name'] ?? '';
        if (backend.server(name) === undefined) throw serverNotFound(name);
        await backend.restart(name);
        send(res, 202, { ok: true });
      },
    ),
  );

  router.post(
    '/api/v1/reload',
    audited(
      'config.reload',
      () => undefined,
      async (req, res) => {
        await readJson(req, options.maxRequestBytes);
        await backend.reload();
        send(res, 202, { ok: true });
      },
    ),
  );

  router.post(
    '/api/v1/shutdown',
    audited(
      'manager.shutdown',
      () => undefined,
      async (req, res) => {
        await readJson(req, options.maxRequestBytes);
        send(res, 202, { ok: true });
        backend.shutdown();
      },
    ),
  );

  const tokens = options.tokens;
  if (tokens !== undefined) {
    router.get(
      '/api/v1/tokens',
      guarded(async (_req, res) => {
        send(res, 200, { tokens: await tokens.list() });
      }),
    );
    router.post(
      '/api/v1/tokens',
      audited(
        'token.create',
        () => undefined,
        async (req, res) => {
          const parsed = CreateTokenBody.safeParse(await readJson(req, options.maxRequestBytes));
          if (!parsed.success) {
            throw new MCPError(
              MCPErrorCode.ProtocolInvalidParams,
              `invalid token request: ${parsed.error.message}`,
            );
          }
          // The token is in this one response and nowhere else.
          sendJson(res, 201, await tokens.create(parsed.data));
        },
      ),
    );
    router.delete(
      '/api/v1/tokens/:name',
      audited(
        'token.revoke',
        (params) => params['name'],
        async (_req, res, params) => {
          const name = params['name'] ?? '';
          if (!(await tokens.revoke(name))) {
            throw new MCPError(MCPErrorCode.ConfigInvalid, `no token named "${name}"`, {
              hint: 'GET /api/v1/tokens lists them.',
            });
          }
          send(res, 200, { ok: true });
        },
      ),
    );
  }

  router.get(
    '/api/v1/events',
    guarded((_req, res) => {
      const stream = openSse(res, options.heartbeatMs);
      // A snapshot first, so a client needs no separate request to know where things stand.
      stream.send('snapshot', JSON.stringify(secretRedactor.redactValue({ servers: backend.servers() })));
      const subscription = backend.bus.on((event: ManagerEvent) => {
        stream.send(event.type, JSON.stringify(secretRedactor.redactValue(event)));
      });
      stream.onClose(() => {
        subscription.dispose();
      });
    }),
  );
}
