import { randomBytes } from 'node:crypto';
import type { MCPServerConfig } from '../config/schema.js';
import type { EngineClient } from '../engine/engine-client.js';
import type { ContainerCreateSpec } from '../engine/create-spec.js';
import { MCPError, MCPErrorCode, openUpstream, toMCPError } from '@mcpman/protocol';
import type {
  HttpEndpoint,
  Implementation,
  McpPeer,
  ServerHandshake,
  UpstreamTarget,
} from '@mcpman/protocol';
import { StdioAttachConnection } from '../upstream/stdio-attach-connection.js';
import { attachChannel } from '../upstream/stdio-channel.js';
import type { StdioChannel } from '../upstream/stdio-channel.js';
import { attachAndStart } from '../upstream/stdio-start.js';
import { LABEL } from './labels.js';
import { ownerFilter } from './owner.js';
import type { ManagerOwner } from './owner.js';

/** How long after sessions end the pool looks for containers no session owns. */
const REAP_DELAY_MS = 5_000;
/** While the pool is open it also looks for strays this often: a creation the engine finishes
 * long after the manager gave up on it (a busy engine) leaves a container no event announces. */
const REAP_INTERVAL_MS = 20_000;

/** One client session's own upstream: its own container for stdio servers. */
export interface SessionLease {
  readonly id: string;
  readonly peer: McpPeer;
  readonly handshake: ServerHandshake;
  /** Ends the upstream session; the container (stdio) is removed. Safe to call twice. */
  release(): Promise<void>;
}

export interface SessionPoolDeps {
  readonly clientInfo: Implementation;
  readonly clientCapabilities?: Readonly<Record<string, unknown>> | undefined;
  /** Lines a session container writes to stderr (its server's log, tagged). */
  readonly log: (line: string) => void;
  /** How stdio reaches the manager (default: the engine's attach stream). */
  readonly stdio?: StdioChannel;
}

/**
 * What the pool needs to make one upstream: a container spec and the engine to run it on
 * (stdio), or the server's endpoint (an http server's port, or a url: server).
 */
export type SessionTarget =
  | {
      readonly kind: 'stdio';
      readonly spec: ContainerCreateSpec;
      readonly engine: EngineClient;
      /** The manager the pool's server belongs to: only its session containers are reaped. */
      readonly owner: ManagerOwner;
    }
  | { readonly kind: 'http'; readonly endpoint: HttpEndpoint };

interface Instance {
  readonly id: string;
  readonly peer: McpPeer;
  readonly handshake: ServerHandshake;
  readonly containerId: string | undefined;
  dead: boolean;
}

/**
 * Upstream sessions for `sessionMode: per-client`. For stdio servers each is a container of its
 * own, labelled `io.mcpman.role=session`, made from the server's hardened spec; `warm` of them
 * are kept started and past the MCP handshake so a new client session need not wait. A lease
 * ends when its client session does: the container is removed, never reused by another client.
 * For http servers each lease is a fresh MCP session on the server's one container.
 */
export class SessionPool {
  private readonly warm: Instance[] = [];
  private readonly leased = new Map<string, Instance>();
  private filling = 0;
  private reserved = 0;
  private closed = false;
  private lastError: MCPError | undefined;
  /** Containers this pool made and has not removed yet (warm, leased, or still starting). */
  private readonly owned = new Set<string>();
  private reapTimer: NodeJS.Timeout | undefined;
  private reapInterval: NodeJS.Timeout | undefined;
  /** Container creations begun, so a reap can tell whether one started while it listed. */
  private creations = 0;

  constructor(
    readonly server: string,
    private readonly config: MCPServerConfig,
    private readonly target: SessionTarget,
    private readonly deps: SessionPoolDeps,
  ) {}

  get stats(): { warm: number; leased: number; starting: number } {
    return { warm: this.warm.length, leased: this.leased.size, starting: this.filling };
  }

  /** Start filling the warm pool. */
  start(): void {
    this.refill();
    if (this.target.kind === 'stdio' && this.reapInterval === undefined) {
      this.reapInterval = setInterval(() => {
        this.scheduleReap();
      }, REAP_INTERVAL_MS);
      this.reapInterval.unref();
    }
  }

  /** An upstream of its own for one client session. */
  async lease(): Promise<SessionLease> {
    if (this.closed) throw new MCPError(MCPErrorCode.ServerNotReady, `server ${this.server} is stopping`);
    const max = this.config.sessionPool.max;
    if (this.leased.size + this.reserved >= max) {
      throw new MCPError(
        MCPErrorCode.RateLimited,
        `server ${this.server} already serves ${max} client sessions (sessionPool.max)`,
        { hint: 'Close idle sessions, or raise sessionPool.max.' },
      );
    }
    // The slot is held while a container starts, so concurrent leases cannot pass `max`.
    this.reserved += 1;
    let instance: Instance;
    try {
      instance = this.takeWarm() ?? (await this.create());
    } catch (error) {
      // The engine may still finish a creation this lease gave up on.
      this.scheduleReap();
      throw error;
    } finally {
      this.reserved -= 1;
    }
    if (this.isClosed()) {
      await this.destroy(instance);
      throw new MCPError(MCPErrorCode.ServerNotReady, `server ${this.server} is stopping`);
    }
    this.leased.set(instance.id, instance);
    this.refill();
    const leased = instance;
    let released = false;
    return {
      id: leased.id,
      peer: leased.peer,
      handshake: leased.handshake,
      release: async () => {
        if (released) return;
        released = true;
        this.leased.delete(leased.id);
        await this.destroy(leased);
        this.refill();
        this.scheduleReap();
      },
    };
  }

  /** End every session, warm and leased; containers are removed. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reapTimer);
    this.reapTimer = undefined;
    clearInterval(this.reapInterval);
    this.reapInterval = undefined;
    const all = [...this.warm.splice(0), ...this.leased.values()];
    this.leased.clear();
    await Promise.all(all.map((instance) => this.destroy(instance)));
  }

  private takeWarm(): Instance | undefined {
    for (;;) {
      const instance = this.warm.shift();
      if (instance === undefined || !instance.dead) return instance;
      // Its server exited while it waited: the container is still there until removed.
      void this.destroy(instance);
    }
  }

  /**
   * Remove session containers of this server that no session owns: those whose removal failed
   * (the engine busy or restarting) or that a crash left. Runs a few seconds after sessions end.
   */
  private scheduleReap(): void {
    if (this.closed || this.target.kind === 'http' || this.reapTimer !== undefined) return;
    this.reapTimer = setTimeout(() => {
      this.reapTimer = undefined;
      // A container being created is not ours by id yet: look again once nothing is starting.
      if (this.filling > 0 || this.reserved > 0) {
        this.scheduleReap();
        return;
      }
      this.reap().catch((error: unknown) => {
        this.deps.log(`[mcpman] could not remove leftover session containers: ${toMCPError(error).message}`);
      });
    }, REAP_DELAY_MS);
    this.reapTimer.unref();
  }

  private async reap(): Promise<void> {
    const startedBefore = this.creations;
    const { engine, owner } = this.containerTarget;
    const containers = await engine.listContainers({
      ...ownerFilter(owner),
      [LABEL.server]: this.server,
      [LABEL.role]: 'session',
    });
    // A creation that began meanwhile may be in the list without being owned yet: try later.
    if (this.creations !== startedBefore) {
      this.scheduleReap();
      return;
    }
    const strays = containers.filter((c) => !this.owned.has(c.id));
    const removed = await Promise.allSettled(strays.map((c) => this.removeContainer(c.id, c.name)));
    const failures = removed.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (strays.length > failures.length)
      this.deps.log(`[mcpman] removed ${strays.length - failures.length} leftover session container(s)`);
    if (failures.length > 0) {
      this.deps.log(
        `[mcpman] ${failures.length} leftover session container(s) not removed yet: ${toMCPError(failures[0]?.reason).message}`,
      );
      // The engine still busy: try again later rather than leave them.
      this.scheduleReap();
    }
  }

  /** Top the warm pool up to `warm` (http servers need no warm sessions: they are cheap). */
  private refill(): void {
    if (this.closed || this.target.kind === 'http') return;
    const room =
      this.config.sessionPool.max - this.leased.size - this.reserved - this.warm.length - this.filling;
    const wanted = Math.min(this.config.sessionPool.warm - this.warm.length - this.filling, room);
    for (let i = 0; i < wanted; i += 1) {
      this.filling += 1;
      this.create().then(
        (instance) => {
          this.filling -= 1;
          this.lastError = undefined;
          if (this.closed) void this.destroy(instance);
          else this.warm.push(instance);
        },
        (error: unknown) => {
          this.filling -= 1;
          // Not retried in a loop: the next lease or release tries again.
          this.lastError = toMCPError(error);
          this.deps.log(`[mcpman] warm session failed to start: ${this.lastError.message}`);
          // A creation the engine finished after we gave up on it leaves a container we do not own.
          this.scheduleReap();
        },
      );
    }
  }

  private async create(): Promise<Instance> {
    const id = randomBytes(6).toString('hex');
    const { target, containerId } = await this.open(id);
    try {
      const { peer, handshake } = await openUpstream(target, {
        name: `server ${this.server} session ${id}`,
        handshake: {
          protocolVersion: this.config.protocolVersion,
          clientInfo: this.deps.clientInfo,
          capabilities: { ...this.deps.clientCapabilities },
        },
        startupTimeoutMs: this.config.health.startupTimeout,
        alive: () => !this.closed,
      });
      const instance: Instance = { id, peer, handshake, containerId, dead: false };
      peer.onClose = () => {
        instance.dead = true;
      };
      return instance;
    } catch (error) {
      if (containerId !== undefined) {
        this.owned.delete(containerId);
        await this.removeContainer(containerId, this.containerName(id)).catch(() => undefined);
        this.scheduleReap();
      }
      throw error;
    }
  }

  /** An http lease is a new session on the server's endpoint; a stdio one, a new container. */
  private async open(id: string): Promise<{ target: UpstreamTarget; containerId: string | undefined }> {
    const target = this.target;
    if (target.kind === 'http') return { target, containerId: undefined };
    const engine = target.engine;
    this.creations += 1;
    const spec = await this.stdio.prepare({
      ...target.spec,
      name: this.containerName(id),
      labels: { ...target.spec.labels, [LABEL.role]: 'session', [LABEL.session]: id },
    });
    const containerId = await engine.createContainer(spec).catch(async (error: unknown) => {
      await this.stdio.release(spec.name);
      throw error;
    });
    this.owned.add(containerId);
    try {
      const streams = await attachAndStart(engine, this.stdio, containerId, spec);
      const connection = new StdioAttachConnection(streams, {
        description: `server ${this.server} session ${id} (stdio)`,
        onStderr: (line) => {
          this.deps.log(`[session ${id}] ${line}`);
        },
      });
      return { target: { kind: 'stdio', connection }, containerId };
    } catch (error) {
      this.owned.delete(containerId);
      await this.removeContainer(containerId, spec.name).catch(() => undefined);
      throw error;
    }
  }

  private async destroy(instance: Instance): Promise<void> {
    instance.dead = true;
    await instance.peer.close().catch(() => undefined);
    // Forced removal: a session container holds nothing worth a graceful stop. One that fails
    // (the engine busy) is left to the reaper, which no longer counts it as owned.
    if (instance.containerId !== undefined) {
      this.owned.delete(instance.containerId);
      await this.removeContainer(instance.containerId, this.containerName(instance.id)).catch(
        () => undefined,
      );
    }
    // A sweep a few seconds after sessions end (one timer, however many end) catches whatever a
    // failed or late removal or creation left behind.
    this.scheduleReap();
  }

  /** The name of session `id`'s container (only stdio servers' sessions have containers). */
  private containerName(id: string): string {
    if (this.target.kind !== 'stdio') throw new Error(`session ${id} of an http server has no container`);
    return `${this.target.spec.name}-s-${id}`;
  }

  /** Removes a session container and what the stdio channel made for it. */
  private async removeContainer(id: string, name: string): Promise<void> {
    await this.containerTarget.engine.removeContainer(id);
    await this.stdio.release(name);
  }

  /** Only stdio servers' sessions have containers; http and url: ones are sessions on one endpoint. */
  private get containerTarget(): Extract<SessionTarget, { kind: 'stdio' }> {
    if (this.target.kind !== 'stdio') throw new Error(`server ${this.server} has no session containers`);
    return this.target;
  }

  private get stdio(): StdioChannel {
    return this.deps.stdio ?? attachChannel;
  }

  /** Read through a method: `close()` may run while a lease awaits. */
  private isClosed(): boolean {
    return this.closed;
  }

  /** Why the last warm session failed to start, if it did. */
  get error(): MCPError | undefined {
    return this.lastError;
  }
}
