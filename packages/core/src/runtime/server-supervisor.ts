import { ExponentialBackoff } from 'cockatiel';
import type { IBackoff } from 'cockatiel';
import type { MCPServerConfig } from '../config/schema.js';
import { MCPErrorCode } from '../errors/codes.js';
import { MCPError, isMCPError, toMCPError } from '../errors/mcp-error.js';
import type { EngineClient } from '../engine/engine-client.js';
import type { ContainerSummary, EngineEvent } from '../engine/types.js';
import type { EventBus, ServerState } from '../events/event-bus.js';
import type { ImageProgress, ImageService } from '../images/image-service.js';
import type { Implementation, ServerHandshake } from '../protocol/mcp.js';
import type { UpstreamConnection } from '../upstream/connection.js';
import { probe } from '../upstream/handshake.js';
import { describeError, openUpstream } from '../upstream/open-upstream.js';
import type { HttpEndpoint, UpstreamSession, UpstreamTarget } from '../upstream/open-upstream.js';
import { McpPeer } from '../upstream/peer.js';
import { StdioAttachConnection } from '../upstream/stdio-attach-connection.js';
import { attachChannel } from '../upstream/stdio-channel.js';
import { attachAndStart } from '../upstream/stdio-start.js';
import type { StdioChannel } from '../upstream/stdio-channel.js';
import { buildContainerSpec, effectiveNetwork } from './container-spec.js';
import type { ResolvedImage } from './container-spec.js';
import { describeExit } from './exit-reason.js';
import { OomCounter } from './oom-counter.js';
import { LABEL, containerName, isolatedNetworkName, unownedNames } from './labels.js';
import { ownerLabels, ownership } from './owner.js';
import type { ManagerOwner } from './owner.js';
import type { ServerLogStore } from './server-log.js';
import { SessionPool } from './session-pool.js';
import type { SessionTarget } from './session-pool.js';
import type { ContainerCreateSpec } from '../engine/create-spec.js';
import { fillTemplates, readSecretValue, secretsInTemplates } from '../secrets/secret-reader.js';
import { secretRedactor } from '../util/redactor.js';
import { LineBudget } from '../util/line-budget.js';

/** A ready server's attempt counter resets once it has stayed up this long. */
const STABLE_AFTER_MS = 30_000;
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

export interface ServerStatus {
  readonly name: string;
  readonly state: ServerState;
  readonly reason: string;
  readonly code: MCPErrorCode | undefined;
  readonly since: number;
  readonly transport: 'stdio' | 'http';
  readonly containerId: string | undefined;
  readonly image: string | undefined;
  readonly restarts: number;
  readonly protocolVersion: string | undefined;
  readonly serverInfo: Implementation | undefined;
  readonly lastProbe: { readonly ok: boolean; readonly latencyMs: number; readonly at: number } | undefined;
  readonly endpoint: string | undefined;
}

/** Failures before the container ran that waiting will not fix: no point restarting. */
const PERMANENT_BEFORE_START = new Set<MCPErrorCode>([
  MCPErrorCode.SecretNotFound,
  MCPErrorCode.ImageNotFound,
  MCPErrorCode.ImageBuildFailed,
  MCPErrorCode.ContainerCreateFailed,
  MCPErrorCode.ConfigInvalid,
]);

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
  private failedAttempts = 0;
  private restartCount = 0;
  private backoff: IBackoff<unknown> | undefined;
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
  private missedProbes = 0;
  private lastProbe: ServerStatus['lastProbe'];
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
  ) {}

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
      lastProbe: this.lastProbe,
      endpoint: this.endpoint,
    };
  }

  /** Start (or adopt `existing` containers). Resolves when the first attempt is over. */
  async start(existing: readonly ContainerSummary[] = []): Promise<void> {
    this.wanted = 'running';
    this.failedAttempts = 0;
    this.backoff = undefined;
    await this.removeSessionContainers();
    await this.attempt(++this.generation, existing, true);
  }

  /** Per-client session containers cannot be adopted: their clients went with the old manager. */
  private async removeSessionContainers(): Promise<void> {
    const left = await this.deps.engine.listContainers({
      [LABEL.managed]: 'true',
      [LABEL.server]: this.name,
      [LABEL.role]: 'session',
    });
    for (const container of left) {
      if (ownership(container.labels, this.deps.owner) === 'other') continue;
      this.deps.bus.emit({
        type: 'reconcile',
        server: this.name,
        action: 'remove',
        reason: `session container ${container.name} of an earlier manager`,
        at: Date.now(),
      });
      await this.deps.engine.removeContainer(container.id);
      await this.stdio.release(container.name);
    }
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
    this.failedAttempts = 0;
    this.backoff = undefined;
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
    const id = this.containerId;
    if (id !== undefined) {
      if (options.remove) await this.deps.engine.removeContainer(id);
      else await this.deps.engine.stopContainer(id, 5);
    }
    if (options.remove) {
      await this.stdio.release(containerName(this.deps.owner.id, this.name));
      this.containerId = undefined;
      if (effectiveNetwork(this.config) === 'isolated')
        await this.deps.engine.removeNetwork(this.networkName);
    }
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
      await this.checkSecrets();
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
      const hash = spec.labels[LABEL.configHash] ?? '';
      this.setState('starting', adopting ? 'starting container' : 'starting container again');
      if (effectiveNetwork(this.config) === 'isolated') {
        await this.deps.engine.createNetwork(this.networkName, {
          internal: true,
          labels: { [LABEL.managed]: 'true', ...ownerLabels(this.deps.owner), [LABEL.server]: this.name },
        });
      }
      const { id, running } = await this.ensureContainer(spec, hash, existing);
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
      this.missedProbes = 0;
      if (this.config.sessionMode === 'per-client') this.openPool(spec);
      this.setState(
        'ready',
        `ready (${session.handshake.protocolVersion}${session.handshake.serverInfo === undefined ? '' : `, ${session.handshake.serverInfo.name} ${session.handshake.serverInfo.version}`})`,
      );
      this.scheduleProbe(generation);
      this.schedule(generation, STABLE_AFTER_MS, () => {
        this.failedAttempts = 0;
        this.backoff = undefined;
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

  private async checkSecrets(): Promise<void> {
    const transport = this.config.transport;
    const wanted = [
      ...Object.values(this.config.secrets),
      ...(transport.type === 'http' ? secretsInTemplates(transport.headers) : []),
    ];
    if (wanted.length === 0) return;
    const stored = new Set((await this.deps.engine.listSecrets()).map((secret) => secret.name));
    const missing = wanted.filter((name) => !stored.has(name));
    if (missing.length > 0) {
      throw new MCPError(
        MCPErrorCode.SecretNotFound,
        `secret${missing.length > 1 ? 's' : ''} ${missing.join(', ')} not stored`,
        {
          hint: `Store ${missing.length > 1 ? 'them' : 'it'} with \`mcpman secret set ${missing[0] ?? ''}\` (the value is read from stdin).`,
        },
      );
    }
  }

  /**
   * The one container this server should have: adopt one with the same config hash, remove
   * stale or duplicate ones, create it if there is none.
   */
  private async ensureContainer(
    spec: ReturnType<typeof buildContainerSpec>,
    hash: string,
    existing: readonly ContainerSummary[],
  ): Promise<{ id: string; running: boolean }> {
    const listed =
      existing.length > 0
        ? existing
        : await this.deps.engine.listContainers({
            [LABEL.managed]: 'true',
            [LABEL.server]: this.name,
            [LABEL.role]: 'server',
          });
    const candidates = listed.filter((c) => ownership(c.labels, this.deps.owner) === 'mine');
    const migrated = await this.migrateUnowned(listed);
    const matching = candidates.filter((c) => c.labels[LABEL.configHash] === hash);
    const keep = matching.find((c) => c.state === 'running') ?? matching[0];
    for (const stale of candidates) {
      if (stale.id !== keep?.id) {
        this.deps.bus.emit({
          type: 'reconcile',
          server: this.name,
          action: 'remove',
          reason: stale.labels[LABEL.configHash] === hash ? 'duplicate container' : 'config changed',
          at: Date.now(),
        });
        await this.deps.engine.removeContainer(stale.id);
      }
    }
    if (keep !== undefined) {
      this.deps.bus.emit({
        type: 'reconcile',
        server: this.name,
        action: 'adopt',
        reason: `container ${keep.id.slice(0, 12)} (${keep.state})`,
        at: Date.now(),
      });
      return { id: keep.id, running: keep.state === 'running' };
    }
    const recreate = candidates.length > 0 || migrated;
    this.deps.bus.emit({
      type: 'reconcile',
      server: this.name,
      action: recreate ? 'recreate' : 'create',
      reason: migrated ? 'taken over from before owner labels' : recreate ? 'config changed' : 'new server',
      at: Date.now(),
    });
    return { id: await this.deps.engine.createContainer(spec), running: false };
  }

  /**
   * Containers of this server made before owner labels: labels cannot be added to a container,
   * so the server is taken over by recreating it under our owner (its volumes, which hold its
   * data, are kept by name). Its old container and network go first: a port it binds would
   * clash. Returns whether there was one.
   */
  private async migrateUnowned(listed: readonly ContainerSummary[]): Promise<boolean> {
    const unowned = listed.filter((c) => ownership(c.labels, this.deps.owner) === 'unowned');
    for (const container of unowned) {
      this.deps.bus.emit({
        type: 'reconcile',
        server: this.name,
        action: 'migrate',
        reason: `container ${container.name} has no owner label: recreated as ${containerName(this.deps.owner.id, this.name)}`,
        at: Date.now(),
      });
      await this.deps.engine.removeContainer(container.id);
      await this.stdio.release(container.name);
    }
    if (unowned.length > 0) {
      // Still in use if another container joined it; then it stays for `down --all`.
      await this.deps.engine.removeNetwork(unownedNames(this.name).network).catch(() => undefined);
    }
    return unowned.length > 0;
  }

  private get networkName(): string {
    return isolatedNetworkName(this.deps.owner.id, this.name);
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
    const url = await this.httpUrl(id);
    this.endpoint = url.toString();
    this.httpEndpoint = { url, headers: await this.upstreamHeaders() };
    return { kind: 'http', endpoint: this.httpEndpoint };
  }

  /**
   * The http transport's headers with `${secret:NAME}` filled in, read afresh on every start
   * so a `mcpman secret set` reaches the server at its next restart.
   */
  private async upstreamHeaders(): Promise<Record<string, string>> {
    const transport = this.config.transport;
    if (transport.type !== 'http') return {};
    const names = secretsInTemplates(transport.headers);
    if (names.length === 0) return { ...transport.headers };
    const image = await this.deps.images.baseImage();
    const values: Record<string, string> = {};
    for (const name of names) values[name] = await readSecretValue(this.deps.engine, image, name);
    return fillTemplates(transport.headers, values);
  }

  private async recordStart(id: string): Promise<void> {
    const details = await this.deps.engine.inspectContainer(id);
    this.oomCounter = details === undefined ? undefined : await OomCounter.locate(details.pid);
    const started = details === undefined ? NaN : Date.parse(details.startedAt);
    // StartedAt has sub-millisecond digits; events carry milliseconds. Floor to compare fairly.
    this.containerStartedAt = Number.isNaN(started) ? Date.now() : Math.floor(started);
  }

  private async httpUrl(id: string): Promise<URL> {
    const transport = this.config.transport;
    if (transport.type !== 'http') throw new MCPError(MCPErrorCode.Internal, 'not an http server');
    const details = await this.deps.engine.inspectContainer(id);
    if (details === undefined)
      throw new MCPError(MCPErrorCode.ContainerNotFound, `container of ${this.name} is gone`);
    if (effectiveNetwork(this.config) === 'isolated') {
      const address = details.networks[this.networkName]?.ipAddress;
      if (address === undefined || address === '') {
        throw new MCPError(
          MCPErrorCode.UpstreamUnavailable,
          `${this.name} has no address on its isolated network`,
          {
            hint: 'Isolated http servers are reached by address, which needs rootful Podman; use network: bridge otherwise.',
          },
        );
      }
      return new URL(`http://${address}:${transport.port}${transport.path}`);
    }
    const binding = details.ports.find((port) => port.containerPort === transport.port);
    if (binding === undefined)
      throw new MCPError(
        MCPErrorCode.UpstreamUnavailable,
        `port ${transport.port} of ${this.name} is not published`,
      );
    return new URL(`http://127.0.0.1:${binding.hostPort}${transport.path}`);
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
    const at = Date.now();
    try {
      const latencyMs = await probe(
        session.peer,
        session.handshake,
        this.deps.clientInfo,
        this.config.health.timeout,
      );
      if (!this.alive(generation)) return;
      this.lastProbe = { ok: true, latencyMs, at };
      this.deps.bus.emit({ type: 'server.health', server: this.name, ok: true, latencyMs, at });
      this.missedProbes = 0;
      if (this.current === 'unhealthy') this.setState('ready', 'answering probes again');
      this.scheduleProbe(generation);
    } catch (error) {
      if (!this.alive(generation)) return;
      const message = describeError(error);
      this.lastProbe = { ok: false, latencyMs: Date.now() - at, at };
      this.deps.bus.emit({
        type: 'server.health',
        server: this.name,
        ok: false,
        latencyMs: Date.now() - at,
        error: message,
        at,
      });
      this.missedProbes += 1;
      const threshold = this.config.health.failureThreshold;
      if (this.missedProbes >= threshold) {
        await this.onFailure(
          generation,
          new MCPError(
            MCPErrorCode.HealthCheckFailed,
            `missed ${this.missedProbes} liveness probes in a row (last: ${message})`,
          ),
          true,
        );
        return;
      }
      this.setState(
        'unhealthy',
        `missed ${this.missedProbes} of ${threshold} liveness probes (${message})`,
        MCPErrorCode.HealthCheckFailed,
      );
      this.scheduleProbe(generation);
    }
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
    if (exit.clean && this.config.restart.policy === 'on-failure') {
      this.generation += 1;
      this.clearTimers();
      await this.teardownSession();
      this.setState('stopped', `${exit.reason}; restart policy on-failure leaves it stopped`);
      return;
    }
    await this.onFailure(generation, new MCPError(exit.code, exit.reason), true);
  }

  /**
   * Something went wrong in attempt `generation`. Restart with backoff, or give up: at once for
   * failures that waiting will not fix, after `maxRetries` for everything else.
   */
  private async onFailure(generation: number, error: MCPError, containerStarted: boolean): Promise<void> {
    if (!this.alive(generation)) return;
    this.generation += 1;
    const next = this.generation;
    this.clearTimers();
    await this.teardownSession();
    const reason = isMCPError(error) ? error.message : String(error);
    const restart = this.config.restart;
    if (
      restart.policy === 'no' ||
      (!containerStarted && (PERMANENT_BEFORE_START.has(error.code) || !error.transient))
    ) {
      this.setState('failed', reason, error.code);
      return;
    }
    if (this.failedAttempts >= restart.maxRetries) {
      this.setState(
        'failed',
        `${reason} (gave up after ${restart.maxRetries} restart${restart.maxRetries === 1 ? '' : 's'})`,
        error.code,
      );
      return;
    }
    this.failedAttempts += 1;
    this.restartCount += 1;
    this.backoff =
      this.backoff ??
      new ExponentialBackoff({
        initialDelay: restart.initialDelay,
        maxDelay: restart.maxDelay,
      }).next();
    const delay = Math.round(this.backoff.duration);
    this.backoff = this.backoff.next(undefined);
    this.setState(
      'restarting',
      `${reason}; restart ${this.failedAttempts} of ${restart.maxRetries} in ${delay} ms`,
      error.code,
    );
    if (this.containerId !== undefined && containerStarted) {
      await this.deps.engine.stopContainer(this.containerId, 2).catch(() => undefined);
    }
    this.schedule(next, delay, () => {
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
