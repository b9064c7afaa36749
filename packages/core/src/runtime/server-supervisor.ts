import type { MCPServerConfig } from '../config/schema.js';
import { MCPError, MCPErrorCode, McpPeer, openUpstream, toMCPError } from '@mcpman/protocol';
import type { HttpEndpoint, UpstreamConnection, UpstreamSession, UpstreamTarget } from '@mcpman/protocol';
import type { EngineClient } from '../engine/engine-client.js';
import type { ContainerSummary, EngineEvent } from '../engine/types.js';
import type { ImageService } from '../images/image-service.js';
import type { ImageProgress } from '../images/progress.js';
import { StdioAttachConnection } from '../upstream/stdio-attach-connection.js';
import { attachChannel } from '../upstream/stdio-channel.js';
import { attachAndStart } from '../upstream/stdio-start.js';
import type { StdioChannel } from '../upstream/stdio-channel.js';
import { buildContainerSpec } from './container-spec.js';
import type { ResolvedImage } from './container-spec.js';
import { describeExit } from './exit-reason.js';
import { OomCounter } from './oom-counter.js';
import { ContainerPlacement } from './container-placement.js';
import type { ManagerOwner } from './owner.js';
import { ServerLifecycle } from './server-lifecycle.js';
import type { LifecycleDeps } from './server-lifecycle.js';
import { checkServerSecrets, filledHeaders, learnSecretValues } from './server-secrets.js';
import type { ServerStatus } from './server-status.js';
import { SessionPool } from './session-pool.js';
import type { SessionTarget } from './session-pool.js';
import type { ContainerCreateSpec } from '../engine/create-spec.js';

export interface SupervisorDeps extends LifecycleDeps {
  readonly engine: EngineClient;
  /** The manager this server belongs to: it labels and names what it creates after it. */
  readonly owner: ManagerOwner;
  readonly images: ImageService;
  /** How stdio reaches the manager (default: the engine's attach stream). */
  readonly stdio?: StdioChannel;
}

/**
 * Keeps one container server running as the config says: image, container, MCP session,
 * liveness probes, restarts with exponential backoff (jittered) up to `restart.maxRetries`, then
 * `failed` (the last three in ServerLifecycle). Every state change is an event on the bus.
 */
export class ServerSupervisor extends ServerLifecycle {
  private readonly placement: ContainerPlacement;
  private containerId: string | undefined;
  /** When the engine last started our container (its clock): older exit events are stale. */
  private containerStartedAt = 0;
  private image: ResolvedImage | undefined;
  private endpoint: string | undefined;
  /** An http server's endpoint as of its last start, headers filled: the pool opens from it too. */
  private httpEndpoint: HttpEndpoint | undefined;
  private oomCounter: OomCounter | undefined;

  constructor(
    name: string,
    config: MCPServerConfig,
    private readonly configDir: string,
    private readonly deps: SupervisorDeps,
  ) {
    super(name, config, deps);
    this.placement = new ContainerPlacement(name, config, { ...deps, stdio: this.stdio });
  }

  private get stdio(): StdioChannel {
    return this.deps.stdio ?? attachChannel;
  }

  status(): ServerStatus {
    return {
      ...this.baseStatus(),
      transport: this.config.transport.type,
      containerId: this.containerId,
      image: this.image?.ref,
      endpoint: this.endpoint,
    };
  }

  /** Start (or adopt `existing` containers). Resolves when the first attempt is over. */
  async start(existing: readonly ContainerSummary[] = []): Promise<void> {
    this.wanted = 'running';
    this.restartPolicy.reset();
    await this.placement.removeSessionContainers();
    await this.attempt(++this.generation, existing, true);
  }

  /**
   * A user-requested restart: the same container, started again, with a fresh retry budget (a
   * stopped server is started). Resolves when the first attempt is over; `settled()` says how
   * the retries, if any, end.
   */
  async restart(reason = 'restart requested'): Promise<void> {
    // A new generation before anything else: a probe, exit handler or backoff of the running
    // attempt that is still in flight must not take our own stop below for a failure.
    const generation = ++this.generation;
    this.wanted = 'running';
    this.clearTimers();
    this.restartPolicy.reset();
    this.restartCount += 1;
    this.setState('restarting', reason);
    await this.teardownSession();
    if (this.containerId !== undefined) {
      // A container removed behind our back is recreated by the attempt; any other engine
      // failure shows there too, as the attempt's reason.
      await this.deps.engine.stopContainer(this.containerId, 5).catch(() => undefined);
    }
    if (this.alive(generation)) await this.attempt(generation, [], false);
  }

  async stop(options: { remove: boolean; reason?: string }): Promise<void> {
    this.wanted = 'stopped';
    this.generation += 1;
    this.clearTimers();
    await this.teardownSession();
    if (options.remove) {
      await this.placement.remove(this.containerId);
      this.containerId = undefined;
    } else if (this.containerId !== undefined) await this.deps.engine.stopContainer(this.containerId, 5);
    this.setState('stopped', options.reason ?? 'stopped');
  }

  /** Engine events for this server's container: an exit is noticed here within a second. */
  override handleEngineEvent(event: EngineEvent): void {
    if (event.id !== this.containerId || this.wanted !== 'running') return;
    if (event.action === 'died' || event.action === 'die' || event.action === 'oom') {
      // Exits before the current start are stale (our own stop before a restart), and during
      // start-up the attempt sees a dying container itself (its handshake fails).
      if (event.time < this.containerStartedAt || !this.serving) return;
      void this.onContainerExit(this.generation, 'engine', event.exitCode);
    } else if (event.action === 'remove' && this.serving) {
      this.containerId = undefined;
      void this.onFailure(
        this.generation,
        new MCPError(MCPErrorCode.ContainerNotFound, 'container was removed outside the manager'),
        true,
      );
    }
  }

  // --- Attempts -------------------------------------------------------------------------------

  private async attempt(
    generation: number,
    existing: readonly ContainerSummary[],
    adopting: boolean,
  ): Promise<void> {
    let started = false;
    try {
      const image = await this.deps.images.resolve(this.config.source, this.configDir, (progress) => {
        this.onImageProgress(progress);
      });
      if (!this.alive(generation)) return;
      this.image = image;
      await checkServerSecrets(this.deps.secrets, this.name, this.config);
      await learnSecretValues(this.deps.secrets, this.config);
      const spec = await this.stdio.prepare(
        buildContainerSpec({
          name: this.name,
          owner: this.deps.owner,
          server: this.config,
          image,
          configDir: this.configDir,
          ...(this.stdio.pipesRoot === undefined ? {} : { stdioPipes: this.stdio.pipesRoot }),
        }),
      );
      this.setState('starting', adopting ? 'starting container' : 'starting container again');
      await this.placement.ensureNetwork();
      const { id, running } = await this.placement.ensureContainer(spec, existing);
      if (!this.alive(generation)) return;
      this.containerId = id;
      const target = await this.connect(id, spec, running, generation);
      started = true;
      if (!this.alive(generation)) {
        if (target.kind === 'stdio') await target.connection.close();
        return;
      }
      const session = await this.openSession(target, generation);
      if (!this.alive(generation)) {
        await session.peer.close();
        return;
      }
      if (this.config.sessionMode === 'per-client') this.openPool(spec);
      this.becomeReady(session, generation);
    } catch (error) {
      if (!this.alive(generation)) return;
      await this.onFailure(generation, toMCPError(error), started);
    }
  }

  private onImageProgress(progress: ImageProgress): void {
    const phase = progress.phase === 'pulling' ? 'pulling' : 'building';
    if (this.state !== phase) this.setState(phase, progress.message);
    this.deps.bus.emit({ type: 'server.progress', server: this.name, ...progress, at: Date.now() });
  }

  /** Start the container if needed and open the MCP channel to it. */
  private async connect(
    id: string,
    spec: ContainerCreateSpec,
    running: boolean,
    generation: number,
  ): Promise<UpstreamTarget> {
    const engine = this.deps.engine;
    if (this.config.transport.type === 'stdio') {
      // The stdin of a container that runs without us attached was closed when its last
      // manager went away, so it cannot be talked to: start it afresh, attached from the start.
      if (running) await engine.stopContainer(id, 5);
      const streams = await attachAndStart(engine, this.stdio, id, spec);
      await this.recordStart(id);
      this.endpoint = `stdio ${this.stdio.kind} ${id.slice(0, 12)}`;
      const connection = new StdioAttachConnection(streams, {
        description: `server ${this.name} (stdio)`,
        onStderr: (line) => {
          this.log(line);
        },
      });
      connection.onerror = (error) => {
        this.log(`[mcpman] ${error.message}`);
      };
      return { kind: 'stdio', connection };
    }
    if (!running) await engine.startContainer(id);
    await this.recordStart(id);
    if (!this.alive(generation)) throw new MCPError(MCPErrorCode.Cancelled, 'stopped');
    const url = await this.placement.httpUrl(id);
    this.endpoint = url.toString();
    // Read afresh on every start, so a `mcpman secret set` reaches the server at its next restart.
    this.httpEndpoint = {
      url,
      headers: await filledHeaders(this.deps.secrets, this.config),
    };
    return { kind: 'http', endpoint: this.httpEndpoint };
  }

  private async recordStart(id: string): Promise<void> {
    const details = await this.deps.engine.inspectContainer(id);
    this.oomCounter = details === undefined ? undefined : await OomCounter.locate(details.pid);
    const started = details === undefined ? NaN : Date.parse(details.startedAt);
    // StartedAt has sub-millisecond digits; events carry milliseconds. Floor to compare fairly.
    this.containerStartedAt = Number.isNaN(started) ? Date.now() : Math.floor(started);
  }

  /** The MCP handshake within startupTimeout; http servers may need a moment to listen. */
  private openSession(target: UpstreamTarget, generation: number): Promise<UpstreamSession> {
    return openUpstream(target, {
      name: `server ${this.name}`,
      handshake: {
        protocolVersion: this.config.protocolVersion,
        clientInfo: this.deps.clientInfo,
        capabilities: { ...this.deps.clientCapabilities },
      },
      startupTimeoutMs: this.config.health.startupTimeout,
      newPeer: (connection) => this.newPeer(connection, generation),
      alive: () => this.alive(generation),
    });
  }

  private newPeer(connection: UpstreamConnection, generation: number): McpPeer {
    const peer = new McpPeer(connection, `server ${this.name}`, this.config.health.startupTimeout);
    peer.onClose = (reason) => {
      if (!this.alive(generation) || this.session?.peer !== peer) return;
      // stdio: the channel ends when the container exits; the engine event says why, and may
      // already be on its way. Look at the container to give the reason.
      void this.onContainerExit(generation, 'session', undefined, reason);
    };
    return peer;
  }

  // --- Failures and restarts ------------------------------------------------------------------

  /**
   * The container exited (engine event) or the stdio channel to it closed (session). An exit
   * event for a container that is running again is stale, for instance the exit of our own stop
   * before a restart, and is ignored.
   */
  private async onContainerExit(
    generation: number,
    source: 'engine' | 'session',
    exitCode: number | undefined,
    cause?: Error,
  ): Promise<void> {
    if (!this.alive(generation) || this.state === 'restarting' || this.state === 'failed') return;
    const id = this.containerId;
    // Read first: the engine's clean-up removes the cgroup that holds the count.
    const oomCounted = (await this.oomCounter?.killedSince()) ?? false;
    const details =
      id === undefined ? undefined : await this.deps.engine.inspectContainer(id).catch(() => undefined);
    if (!this.alive(generation)) return;
    if (details?.running === true) {
      if (source === 'engine') return;
      await this.onFailure(
        generation,
        new MCPError(
          MCPErrorCode.UpstreamClosed,
          `lost the connection to the server${cause === undefined ? '' : ` (${cause.message})`}`,
        ),
        true,
      );
      return;
    }
    const exit = describeExit(details, exitCode, oomCounted);
    if (exit.clean && this.restartPolicy.leavesCleanExitStopped) {
      this.generation += 1;
      this.clearTimers();
      await this.teardownSession();
      this.setState('stopped', `${exit.reason}; restart policy on-failure leaves it stopped`);
      return;
    }
    await this.onFailure(generation, new MCPError(exit.code, exit.reason), true);
  }

  protected override async beforeRetry(started: boolean): Promise<void> {
    if (this.containerId !== undefined && started) {
      await this.deps.engine.stopContainer(this.containerId, 2).catch(() => undefined);
    }
  }

  protected retry(generation: number): void {
    void this.attempt(generation, [], false);
  }

  private openPool(spec: ContainerCreateSpec): void {
    const target: SessionTarget =
      this.httpEndpoint === undefined
        ? { kind: 'stdio', spec, engine: this.deps.engine, owner: this.deps.owner }
        : { kind: 'http', endpoint: this.httpEndpoint };
    this.pool = new SessionPool(this.name, this.config, target, {
      stdio: this.stdio,
      clientInfo: this.deps.clientInfo,
      clientCapabilities: this.deps.clientCapabilities,
      log: (line) => {
        this.log(line);
      },
    });
    this.pool.start();
  }
}
