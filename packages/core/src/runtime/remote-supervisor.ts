import type { MCPServerConfig } from '../config/schema.js';
import type { RemoteSource } from '../config/source.js';
import { MCPError, MCPErrorCode, McpPeer, openUpstream, toMCPError } from '@mcpman/protocol';
import type { HttpEndpoint, UpstreamConnection } from '@mcpman/protocol';
import { ServerLifecycle } from './server-lifecycle.js';
import type { LifecycleDeps } from './server-lifecycle.js';
import { checkServerSecrets, filledHeaders } from './server-secrets.js';
import type { ServerStatus } from './server-status.js';
import { SessionPool } from './session-pool.js';

/** Failures of a url: server that reconnecting will not fix: the config or a secret must change. */
const PERMANENT = new Set<MCPErrorCode>([MCPErrorCode.SecretNotFound, MCPErrorCode.ConfigInvalid]);

/**
 * Keeps a url: server (one mcpman does not run) connected: the MCP session over Streamable HTTP
 * or legacy SSE with its headers filled from secrets, liveness probes, and reconnects with
 * backoff when it stops answering, as `restart` says (see ServerLifecycle). There is no
 * container: stop and remove only end the session.
 */
export class RemoteSupervisor extends ServerLifecycle {
  private readonly source: RemoteSource;
  private endpoint: HttpEndpoint | undefined;

  constructor(
    name: string,
    config: MCPServerConfig,
    private readonly deps: LifecycleDeps,
  ) {
    super(name, config, deps);
    if (config.source.type !== 'remote')
      throw new MCPError(MCPErrorCode.Internal, `server ${name} is not a url: server`);
    this.source = config.source;
  }

  status(): ServerStatus {
    return {
      ...this.baseStatus(),
      transport: this.config.transport.type,
      containerId: undefined,
      image: undefined,
      endpoint: this.source.url,
    };
  }

  async start(): Promise<void> {
    this.wanted = 'running';
    this.restartPolicy.reset();
    await this.attempt(++this.generation, 'connecting');
  }

  async restart(reason = 'restart requested'): Promise<void> {
    const generation = ++this.generation;
    this.wanted = 'running';
    this.clearTimers();
    this.restartPolicy.reset();
    this.restartCount += 1;
    this.setState('restarting', reason);
    await this.teardownSession();
    if (this.alive(generation)) await this.attempt(generation, 'connecting again');
  }

  async stop(options: { remove: boolean; reason?: string }): Promise<void> {
    this.wanted = 'stopped';
    this.generation += 1;
    this.clearTimers();
    await this.teardownSession();
    this.setState('stopped', options.reason ?? 'stopped');
  }

  protected retry(generation: number): void {
    void this.attempt(generation, 'reconnecting');
  }

  private async attempt(generation: number, what: string): Promise<void> {
    let connecting = false;
    try {
      this.setState('starting', `${what} to ${this.source.url}`);
      await checkServerSecrets(this.deps.secrets, this.name, this.config);
      // Read afresh on every attempt, so a changed secret reaches the server at the next reconnect.
      this.endpoint = {
        url: new URL(this.source.url),
        headers: await filledHeaders(this.deps.secrets, this.config),
        wire: this.config.transport.type === 'sse' ? 'sse' : 'streamable-http',
      };
      if (!this.alive(generation)) return;
      connecting = true;
      const session = await openUpstream(
        { kind: 'http', endpoint: this.endpoint },
        {
          name: `server ${this.name}`,
          handshake: {
            protocolVersion: this.config.protocolVersion,
            clientInfo: this.deps.clientInfo,
            capabilities: { ...this.deps.clientCapabilities },
          },
          startupTimeoutMs: this.config.health.startupTimeout,
          newPeer: (connection) => this.newPeer(connection, generation),
          alive: () => this.alive(generation),
        },
      );
      if (!this.alive(generation)) {
        await session.peer.close();
        return;
      }
      if (this.config.sessionMode === 'per-client') this.openPool(this.endpoint);
      this.becomeReady(session, generation);
    } catch (error) {
      if (!this.alive(generation)) return;
      const failure = toMCPError(error);
      // A remote that cannot be reached now may be back later: that is worth reconnecting for.
      await this.onFailure(generation, failure, connecting && !PERMANENT.has(failure.code));
    }
  }

  private newPeer(connection: UpstreamConnection, generation: number): McpPeer {
    const peer = new McpPeer(connection, `server ${this.name}`, this.config.health.startupTimeout);
    peer.onClose = (reason) => {
      if (!this.alive(generation) || this.session?.peer !== peer) return;
      void this.onFailure(
        generation,
        new MCPError(
          MCPErrorCode.UpstreamClosed,
          `lost the connection to ${this.source.url}${reason === undefined ? '' : ` (${reason.message})`}`,
        ),
        true,
      );
    };
    return peer;
  }

  private openPool(endpoint: HttpEndpoint): void {
    this.pool = new SessionPool(
      this.name,
      this.config,
      { kind: 'http', endpoint },
      {
        clientInfo: this.deps.clientInfo,
        clientCapabilities: this.deps.clientCapabilities,
        log: (line) => {
          this.log(line);
        },
      },
    );
    this.pool.start();
  }
}
