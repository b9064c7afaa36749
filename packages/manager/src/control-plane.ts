import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SecretStore } from '@mcpman/core';
import type { Bridge } from '@mcpman/integrations';
import { Router, sendJson } from '@mcpman/gateway';
import type { GatewayServer, Identity } from '@mcpman/gateway';
import { registerManagementApi } from './api/management-api.js';
import type { ManagementApiOptions, ManagementBackend } from './api/management-api.js';
import { ControlSocket } from './control-socket.js';
import { registerDashboardRoutes } from './dashboard/dashboard-routes.js';
import { DashboardService } from './dashboard/dashboard-service.js';
import { ManagementAccess } from './management-access.js';

export interface DashboardSetup {
  /** The config file server edits are written to. */
  readonly configPath: string;
  readonly secrets: SecretStore;
  /** The built UI folder; absent: `/` explains how to build it. */
  readonly uiDir?: string;
  /** The stdio bridge the Clients page writes for clients that can only spawn a command. */
  readonly bridge?: Bridge;
}

export interface ControlPlaneOptions {
  readonly management: ManagementBackend;
  /** Also serve the management API on this Unix socket (owner-only), for the CLI. */
  readonly controlSocket?: string;
  /** Serve the dashboard (UI at `/`, RPC at `/api/v1/rpc`). */
  readonly dashboard?: DashboardSetup;
}

/**
 * The manager's surface on a gateway's HTTP listener: the management API (`/api/v1`,
 * `/healthz`, `/readyz`), the dashboard and its RPC, `/metrics`, and the owner-only control
 * socket. Mounted before the gateway starts; started and closed with it.
 */
export class ControlPlane {
  /** Who may use the management API over TCP, and this run's dashboard key. */
  readonly access: ManagementAccess;
  /** The dashboard's backend (also what the Podman Desktop extension's webview talks to). */
  readonly dashboard: DashboardService | undefined;
  private readonly control: ControlSocket | undefined;

  constructor(
    private readonly server: GatewayServer,
    options: ControlPlaneOptions,
  ) {
    const config = server.config;
    const auth = server.httpAuth;
    this.access = new ManagementAccess({ guard: server.http.guard, auth, authOn: server.authOn });
    const api: ManagementApiOptions = {
      // Server names and states in /readyz only for whoever may read the management API.
      readyDetail: async (req: IncomingMessage): Promise<boolean> => {
        if (!server.authOn) return true;
        const outcome = await auth.check(req, { kind: 'all' });
        return outcome.ok && outcome.identity.admin;
      },
      heartbeatMs: config.keepAlive.sseHeartbeat,
      maxRequestBytes: config.maxRequestBytes,
      tokens: server.tokens,
      figures: () => server.metrics.serverFigures(),
      profiles: () => server.gateway.profiles(),
      ...(server.audit === undefined ? {} : { audit: server.audit }),
    };
    const guard = (
      req: IncomingMessage,
      res: ServerResponse,
      change: boolean,
    ): Promise<Identity | undefined> => this.access.check(req, res, change);
    const router = server.router;
    registerManagementApi(router, options.management, { ...api, guard });
    const setup = options.dashboard;
    this.dashboard =
      setup === undefined
        ? undefined
        : new DashboardService({
            management: options.management,
            gateway: server.gateway,
            gatewayConfig: config,
            tokens: server.tokens,
            secrets: setup.secrets,
            configPath: setup.configPath,
            ...(setup.bridge === undefined ? {} : { bridge: setup.bridge }),
            figures: () => server.metrics.serverFigures(),
            urls: () => ({ http: server.url, grpc: server.grpcAddress }),
          });
    if (this.dashboard !== undefined) {
      registerDashboardRoutes(router, {
        api: this.dashboard,
        uiDir: setup?.uiDir,
        maxRequestBytes: config.maxRequestBytes,
        guard,
      });
    }
    // Prometheus scrapes like the management API: same-site, and an admin grant once auth is on
    // (Prometheus sends a bearer token with `authorization` in its scrape config).
    router.get('/metrics', async (req, res) => {
      if ((await guard(req, res, false)) === undefined) return;
      const { contentType, body } = await server.metrics.render();
      res
        .writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) })
        .end(body);
    });
    if (options.controlSocket !== undefined) {
      const control = new Router();
      // The owner asking over the socket sees everything.
      const { readyDetail: _detail, ...owner } = api;
      registerManagementApi(control, options.management, owner);
      // Only here, where the file mode keeps everyone but the owner out: the key to change things.
      control.get('/api/v1/dashboard', (_req, res) => {
        sendJson(res, 200, { url: this.dashboardUrl() }, { 'cache-control': 'no-store' });
      });
      this.control = new ControlSocket(control, options.controlSocket);
    }
  }

  /** Opens the control socket (the HTTP routes open with the gateway). */
  async start(): Promise<void> {
    await this.control?.start();
  }

  /**
   * The dashboard's address with this run's key in the fragment (which browsers never send),
   * for the owner only: it lets whoever opens it change things.
   */
  dashboardUrl(): string {
    const url = new URL(this.server.http.url);
    // A wildcard listener is reached on loopback from this machine.
    if (url.hostname === '0.0.0.0') url.hostname = '127.0.0.1';
    if (url.hostname === '[::]') url.hostname = '[::1]';
    url.hash = `key=${this.access.key}`;
    return url.toString();
  }

  async close(): Promise<void> {
    this.dashboard?.dispose();
    await this.control?.close();
  }
}
