import type { MCPServerConfig } from '../config/schema.js';
import { LineBudget, MCPErrorCode, secretRedactor } from '@mcpman/protocol';
import type { Implementation, MCPError, McpPeer, ServerHandshake, UpstreamSession } from '@mcpman/protocol';
import type { ContainerSummary, EngineEvent } from '../engine/types.js';
import type { EventBus, ServerState } from '../events/event-bus.js';
import type { SecretValues } from '../secrets/secret-values.js';
import { LivenessProbes } from './liveness-probes.js';
import { RestartPolicy, STABLE_AFTER_MS } from './restart-policy.js';
import type { ServerLogStore } from './server-log.js';
import type { ServerStatus } from './server-status.js';
import type { SessionPool } from './session-pool.js';

const LOG_LINES_KEPT = 500;
/** Log lines per second a server may write before the rest are counted instead of kept. */
const LOG_LINES_PER_SECOND = 1000;

export interface LifecycleDeps {
  readonly bus: EventBus;
  readonly clientInfo: Implementation;
  /** The capabilities the manager declares to servers (the gateway adds its clients'). */
  readonly clientCapabilities?: Readonly<Record<string, unknown>>;
  /** Where server logs are kept across restarts of the manager. */
  readonly logs?: ServerLogStore;
  /** Which secrets exist, and the values of those in header templates the manager sends. */
  readonly secrets: SecretValues;
}

/**
 * What every server the runtime keeps has, however it is reached: the state machine and its
 * events, the live MCP session (and per-client pool), liveness probes, and restarts with backoff
 * after failures. A subclass says how an attempt connects (a container it runs, or a URL).
 */
export abstract class ServerLifecycle {
  private current: ServerState = 'pending';
  private reason = 'waiting to start';
  private code: MCPErrorCode | undefined;
  private since = Date.now();
  /** Bumped by every new attempt and by stop(): callbacks of older attempts see it and back off. */
  protected generation = 0;
  protected wanted: 'running' | 'stopped' = 'running';
  protected restartCount = 0;
  protected readonly restartPolicy: RestartPolicy;
  protected readonly probes: LivenessProbes;
  protected session: UpstreamSession | undefined;
  /** sessionMode per-client: the client sessions' own upstreams. */
  protected pool: SessionPool | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly logLines: { at: number; line: string }[] = [];
  private readonly logBudget = new LineBudget(LOG_LINES_PER_SECOND, 1000, (count) => {
    this.record(
      `[mcpman] ${count} more log lines dropped: the server wrote over ${LOG_LINES_PER_SECOND} a second`,
    );
  });
  private settledWaiters: ((state: ServerState) => void)[] = [];

  constructor(
    readonly name: string,
    readonly config: MCPServerConfig,
    protected readonly lifecycle: LifecycleDeps,
  ) {
    this.restartPolicy = new RestartPolicy(config.restart);
    this.probes = new LivenessProbes(name, config.health, lifecycle.clientInfo, lifecycle.bus);
  }

  /** Start (a container server may adopt `existing` containers). Resolves when the first attempt is over. */
  abstract start(existing?: readonly ContainerSummary[]): Promise<void>;
  /** A user-requested restart with a fresh retry budget; resolves when the first attempt is over. */
  abstract restart(reason?: string): Promise<void>;
  abstract stop(options: { remove: boolean; reason?: string }): Promise<void>;
  abstract status(): ServerStatus;
  /** Attempt `generation` failed and the policy says try again: begin attempt `generation`. */
  protected abstract retry(generation: number): void;

  /** Engine events for this server's container; servers without one ignore them. */
  handleEngineEvent(_event: EngineEvent): void {
    // Only container servers have engine events.
  }

  get state(): ServerState {
    return this.current;
  }

  /** sessionMode per-client: where client sessions get their own upstream, when ready. */
  get sessions(): SessionPool | undefined {
    return this.serving ? this.pool : undefined;
  }

  /** The live MCP session, when ready (for the gateway). */
  get peer(): McpPeer | undefined {
    return this.serving ? this.session?.peer : undefined;
  }

  get negotiated(): ServerHandshake | undefined {
    return this.session?.handshake;
  }

  get recentLogs(): readonly { at: number; line: string }[] {
    return this.logLines;
  }

  /** Resolves once the server is ready, failed or stopped. */
  settled(): Promise<ServerState> {
    if (this.isSettled()) return Promise.resolve(this.current);
    return new Promise((resolve) => this.settledWaiters.push(resolve));
  }

  /**
   * Let go of the server without touching what runs it (the Podman Desktop extension being
   * deactivated): probes and restarts stop, the MCP session closes.
   */
  async release(): Promise<void> {
    this.generation += 1;
    this.clearTimers();
    await this.teardownSession();
  }

  /** What every status has, whatever the kind of server. */
  protected baseStatus(): Omit<ServerStatus, 'containerId' | 'image' | 'endpoint' | 'transport'> {
    return {
      name: this.name,
      state: this.current,
      reason: this.reason,
      code: this.code,
      since: this.since,
      restarts: this.restartCount,
      protocolVersion: this.session?.handshake.protocolVersion,
      serverInfo: this.session?.handshake.serverInfo,
      lastProbe: this.probes.last,
    };
  }

  protected get serving(): boolean {
    return this.current === 'ready' || this.current === 'unhealthy';
  }

  protected alive(generation: number): boolean {
    return generation === this.generation && this.wanted === 'running';
  }

  /** The attempt's session is up: ready, probed from now on, and its retry budget back once stable. */
  protected becomeReady(session: UpstreamSession, generation: number): void {
    this.session = session;
    this.probes.reset();
    const info = session.handshake.serverInfo;
    this.setState(
      'ready',
      `ready (${session.handshake.protocolVersion}${info === undefined ? '' : `, ${info.name} ${info.version}`})`,
    );
    this.scheduleProbe(generation);
    this.schedule(generation, STABLE_AFTER_MS, () => {
      this.restartPolicy.reset();
    });
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
   * Something went wrong in attempt `generation`: try again with backoff, or give up (see
   * RestartPolicy). `started` says whether what runs the server got going (a container
   * started, a URL answered) before it failed.
   */
  protected async onFailure(generation: number, error: MCPError, started: boolean): Promise<void> {
    if (!this.alive(generation)) return;
    this.generation += 1;
    const next = this.generation;
    this.clearTimers();
    await this.teardownSession();
    const decision = this.restartPolicy.afterFailure(error, started);
    if (decision.kind === 'give-up') {
      this.setState('failed', decision.reason, error.code);
      return;
    }
    this.restartCount += 1;
    this.setState('restarting', decision.reason, error.code);
    await this.beforeRetry(started);
    this.schedule(next, decision.delayMs, () => {
      this.retry(next);
    });
  }

  /** Clean-up between a failure and the next attempt (a container server stops its container). */
  protected beforeRetry(_started: boolean): Promise<void> {
    return Promise.resolve();
  }

  protected async teardownSession(): Promise<void> {
    const session = this.session;
    const pool = this.pool;
    this.session = undefined;
    this.pool = undefined;
    await pool?.close();
    if (session !== undefined) await session.peer.close().catch(() => undefined);
  }

  // --- Plumbing -------------------------------------------------------------------------------

  protected schedule(generation: number, delayMs: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.alive(generation)) fn();
    }, delayMs);
    timer.unref();
    this.timers.add(timer);
  }

  protected clearTimers(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  protected log(raw: string): void {
    if (this.logBudget.take()) this.record(raw);
  }

  private record(raw: string): void {
    // A server that echoes a credential it was given must not put it in our logs.
    const line = secretRedactor.redact(raw);
    const at = Date.now();
    this.logLines.push({ at, line });
    if (this.logLines.length > LOG_LINES_KEPT) this.logLines.splice(0, this.logLines.length - LOG_LINES_KEPT);
    this.lifecycle.logs?.append(this.name, line, at);
    this.lifecycle.bus.emit({ type: 'server.log', server: this.name, stream: 'stderr', line, at });
  }

  private isSettled(): boolean {
    return this.current === 'ready' || this.current === 'failed' || this.current === 'stopped';
  }

  protected setState(state: ServerState, rawReason: string, code?: MCPErrorCode): void {
    // Reasons quote upstream errors, which may quote what we sent.
    const reason = secretRedactor.redact(rawReason);
    const previous = this.current;
    if (previous === state && this.reason === reason) return;
    this.current = state;
    this.reason = reason;
    this.code = code;
    this.since = Date.now();
    this.lifecycle.bus.emit({
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
