import type { MCPServerConfig } from '../config/schema.js';
import { MCPErrorCode } from '../errors/codes.js';
import { MCPError, toMCPError } from '../errors/mcp-error.js';
import type { EngineClient } from '../engine/engine-client.js';
import type { ContainerSummary, EngineEvent } from '../engine/types.js';
import type { EventBus, ServerState } from '../events/event-bus.js';
import type { ImageProgress, ImageService } from '../images/image-service.js';
import type { Implementation, ServerHandshake } from '../protocol/mcp.js';
import type { UpstreamConnection } from '../upstream/connection.js';
import { openUpstream } from '../upstream/open-upstream.js';
import type { HttpEndpoint, UpstreamSession, UpstreamTarget } from '../upstream/open-upstream.js';
import { McpPeer } from '../upstream/peer.js';
import { StdioAttachConnection } from '../upstream/stdio-attach-connection.js';
import { attachChannel } from '../upstream/stdio-channel.js';
import { attachAndStart } from '../upstream/stdio-start.js';
import type { StdioChannel } from '../upstream/stdio-channel.js';
import { buildContainerSpec } from './container-spec.js';
import type { ResolvedImage } from './container-spec.js';
import { describeExit } from './exit-reason.js';
import { OomCounter } from './oom-counter.js';
import { ContainerPlacement } from './container-placement.js';
import { LivenessProbes } from './liveness-probes.js';
import type { ManagerOwner } from './owner.js';
import { RestartPolicy, STABLE_AFTER_MS } from './restart-policy.js';
import { checkServerSecrets, filledHeaders } from './server-secrets.js';
import type { ServerStatus } from './server-status.js';
import type { ServerLogStore } from './server-log.js';
import { SessionPool } from './session-pool.js';
import type { SessionTarget } from './session-pool.js';
import type { ContainerCreateSpec } from '../engine/create-spec.js';
import { secretRedactor } from '../util/redactor.js';
import { LineBudget } from '../util/line-budget.js';

const LOG_LINES_KEPT = 500;
/** Log lines per second a server may write before the rest are counted instead of kept. */
const LOG_LINES_PER_SECOND = 1000;

export interface SupervisorDeps {
  readonly engine: EngineClient;
  /** The manager this server belongs to: it labels and names what it creates after it. */
  readonly owner: ManagerOwner;
  /** Where stdio servers' stderr is kept. */
  readonly logs?: ServerLogStore;
  readonly images: ImageService;
  readonly bus: EventBus;
  readonly clientInfo: Implementation;
  /** The capabilities the manager declares to servers (the gateway adds its clients'). */
  readonly clientCapabilities?: Readonly<Record<string, unknown>>;
  /** How stdio reaches the manager (default: the engine's attach stream). */
  readonly stdio?: StdioChannel;
}

/**
 * Keeps one server running as the config says: image, container, MCP session, liveness probes,
 * restarts with exponential backoff (jittered) up to `restart.maxRetries`, then `failed`. Every
 * state change is an event on the bus, with the reason.
 */
export class ServerSupervisor {
  private current: ServerState = 'pending';
  private reason = 'waiting to start';
  private code: MCPErrorCode | undefined;
  private since = Date.now();
  /** Bumped by every new attempt and by stop(): callbacks of older attempts see it and back off. */
  private generation = 0;
  private wanted: 'running' | 'stopped' = 'running';
  private restartCount = 0;
  private readonly restartPolicy: RestartPolicy;
  private readonly placement: ContainerPlacement;
  private readonly probes: LivenessProbes;
  private session: UpstreamSession | undefined;
  /** sessionMode per-client: the client sessions' own upstreams. */
  private pool: SessionPool | undefined;
  private containerId: string | undefined;
  /** When the engine last started our container (its clock): older exit events are stale. */
  private containerStartedAt = 0;
  private image: ResolvedImage | undefined;
  private endpoint: string | undefined;
  /** An http server's endpoint as of its last start, headers filled: the pool opens from it too. */
  private httpEndpoint: HttpEndpoint | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly logLines: { at: number; line: string }[] = [];
  private oomCounter: OomCounter | undefined;
  private readonly logBudget = new LineBudget(LOG_LINES_PER_SECOND, 1000, (count) => {
    this.record(
      `[mcpman] ${count} more log lines dropped: the server wrote over ${LOG_LINES_PER_SECOND} a second`,
    );
  });
  private settledWaiters: ((state: ServerState) => void)[] = [];

  constructor(
    readonly name: string,
    readonly config: MCPServerConfig,
    private readonly configDir: string,
    private readonly deps: SupervisorDeps,
  ) {
    this.restartPolicy = new RestartPolicy(config.restart);
    this.placement = new ContainerPlacement(name, config, { ...deps, stdio: this.stdio });
    this.probes = new LivenessProbes(name, config.health, deps.clientInfo, deps.bus);
  }

  get state(): ServerState {
    return this.current;
  }

  private get stdio(): StdioChannel {
    return this.deps.stdio ?? attachChannel;
  }

  /** sessionMode per-client: where client sessions get their own upstream, when ready. */
  get sessions(): SessionPool | undefined {
    return this.current === 'ready' || this.current === 'unhealthy' ? this.pool : undefined;
  }

  /** The live MCP session, when ready (for the gateway). */
  get peer(): McpPeer | undefined {
    return this.current === 'ready' || this.current === 'unhealthy' ? this.session?.peer : undefined;
  }

  get negotiated(): ServerHandshake | undefined {
    return this.session?.handshake;
  }

  get recentLogs(): readonly { at: number; line: string }[] {
    return this.logLines;
  }

  status(): ServerStatus {
    return {
      name: this.name,
      state: this.current,
      reason: this.reason,
      code: this.code,
      since: this.since,
      transport: this.config.transport.type,
      containerId: this.containerId,
      image: this.image?.ref,
      restarts: this.restartCount,
      protocolVersion: this.session?.handshake.protocolVersion,
      serverInfo: this.session?.handshake.serverInfo,
      lastProbe: this.probes.last,
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

  /** Resolves once the server is ready, failed or stopped. */
  settled(): Promise<ServerState> {
    if (this.isSettled()) return Promise.resolve(this.current);
    return new Promise((resolve) => this.settledWaiters.push(resolve));
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

  /**
   * Let go of the server without touching its container (the Podman Desktop extension being
   * deactivated): probes and restarts stop, the MCP session closes. A later manager adopts the
   * container by its labels.
   */
  async release(): Promise<void> {
    this.generation += 1;
    this.clearTimers();
    await this.teardownSession();
  }

  /** Engine events for this server's container: an exit is noticed here within a second. */
  handleEngineEvent(event: EngineEvent): void {
    if (event.id !== this.containerId || this.wanted !== 'running') return;
    if (event.action === 'died' || event.action === 'die' || event.action === 'oom') {
      // Exits before the current start are stale (our own stop before a restart), and during
      // start-up the attempt sees a dying container itself (its handshake fails).
      if (event.time < this.containerStartedAt || (this.current !== 'ready' && this.current !== 'unhealthy'))
        return;
      void this.onContainerExit(this.generation, 'engine', event.exitCode);
    } else if (event.action === 'remove' && (this.current === 'ready' || this.current === 'unhealthy')) {
      this.containerId = undefined;
      void this.onFailure(
        this.generation,
        new MCPError(MCPErrorCode.ContainerNotFound, 'container was removed outside the manager'),
        true,
      );
    }
  }

  // --- Attempts -------------------------------------------------------------------------------

  private alive(generation: number): boolean {
    return generation === this.generation && this.wanted === 'running';
  }

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
      await checkServerSecrets(this.deps.engine, this.config);
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
      this.session = session;
      this.probes.reset();
      if (this.config.sessionMode === 'per-client') this.openPool(spec);
      this.setState(
        'ready',
        `ready (${session.handshake.protocolVersion}${session.handshake.serverInfo === undefined ? '' : `, ${session.handshake.serverInfo.name} ${session.handshake.serverInfo.version}`})`,
      );
      this.scheduleProbe(generation);
      this.schedule(generation, STABLE_AFTER_MS, () => {
        this.restartPolicy.reset();
      });
    } catch (error) {
      if (!this.alive(generation)) return;
      await this.onFailure(generation, toMCPError(error), started);
    }
  }

  private onImageProgress(progress: ImageProgress): void {
    const phase = progress.phase === 'pulling' ? 'pulling' : 'building';
    if (this.current !== phase) this.setState(phase, progress.message);
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
      headers: await filledHeaders(this.deps.engine, this.deps.images, this.config),
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

  // --- Health ---------------------------------------------------------------------------------

  private scheduleProbe(generation: number): void {
    this.schedule(generation, this.config.health.interval, () => {
      void this.runProbe(generation);
    });
  }

  private async runProbe(generation: number): Promise<void> {
    const session = this.session;
    if (session === undefined || !this.alive(generation)) return;
    const verdict = await this.probes.run(session, () => this.alive(generation));
    switch (verdict.kind) {
      case 'stale':
        return;
      case 'dead':
        await this.onFailure(generation, verdict.error, true);
        return;
      case 'missed':
        this.setState('unhealthy', verdict.reason, MCPErrorCode.HealthCheckFailed);
        break;
      case 'ok':
        if (this.current === 'unhealthy') this.setState('ready', 'answering probes again');
        break;
    }
    this.scheduleProbe(generation);
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
    if (!this.alive(generation) || this.current === 'restarting' || this.current === 'failed') return;
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

  /** Something went wrong in attempt `generation`: restart with backoff, or give up (see RestartPolicy). */
  private async onFailure(generation: number, error: MCPError, containerStarted: boolean): Promise<void> {
    if (!this.alive(generation)) return;
    this.generation += 1;
    const next = this.generation;
    this.clearTimers();
    await this.teardownSession();
    const decision = this.restartPolicy.afterFailure(error, containerStarted);
    if (decision.kind === 'give-up') {
      this.setState('failed', decision.reason, error.code);
      return;
    }
    this.restartCount += 1;
    this.setState('restarting', decision.reason, error.code);
    if (this.containerId !== undefined && containerStarted) {
      await this.deps.engine.stopContainer(this.containerId, 2).catch(() => undefined);
    }
    this.schedule(next, decision.delayMs, () => {
      void this.attempt(next, [], false);
    });
  }

  private async teardownSession(): Promise<void> {
    const session = this.session;
    const pool = this.pool;
    this.session = undefined;
    this.pool = undefined;
    await pool?.close();
    if (session !== undefined) await session.peer.close().catch(() => undefined);
  }

  private openPool(spec: ContainerCreateSpec): void {
    const target: SessionTarget =
      this.httpEndpoint === undefined
        ? { kind: 'stdio', spec }
        : { kind: 'http', endpoint: this.httpEndpoint };
    this.pool = new SessionPool(this.name, this.config, target, {
      engine: this.deps.engine,
      owner: this.deps.owner,
      stdio: this.stdio,
      clientInfo: this.deps.clientInfo,
      clientCapabilities: this.deps.clientCapabilities,
      log: (line) => {
        this.log(line);
      },
    });
    this.pool.start();
  }

  // --- Plumbing -------------------------------------------------------------------------------

  private schedule(generation: number, delayMs: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.alive(generation)) fn();
    }, delayMs);
    timer.unref();
    this.timers.add(timer);
  }

  private clearTimers(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private log(raw: string): void {
    if (this.logBudget.take()) this.record(raw);
  }

  private record(raw: string): void {
    // A server that echoes a credential it was given must not put it in our logs.
    const line = secretRedactor.redact(raw);
    const at = Date.now();
    this.logLines.push({ at, line });
    if (this.logLines.length > LOG_LINES_KEPT) this.logLines.splice(0, this.logLines.length - LOG_LINES_KEPT);
    this.deps.logs?.append(this.name, line, at);
    this.deps.bus.emit({ type: 'server.log', server: this.name, stream: 'stderr', line, at });
  }

  private isSettled(): boolean {
    return this.current === 'ready' || this.current === 'failed' || this.current === 'stopped';
  }

  private setState(state: ServerState, rawReason: string, code?: MCPErrorCode): void {
    // Reasons quote upstream errors, which may quote what we sent.
    const reason = secretRedactor.redact(rawReason);
    const previous = this.current;
    if (previous === state && this.reason === reason) return;
    this.current = state;
    this.reason = reason;
    this.code = code;
    this.since = Date.now();
    this.deps.bus.emit({
      type: 'server.state',
      server: this.name,
      state,
      previous,
      reason,
      ...(code === undefined ? {} : { code }),
      at: this.since,
    });
    if (this.isSettled()) {
      for (const waiter of this.settledWaiters.splice(0)) waiter(state);
    }
  }
}
