import { homedir } from 'node:os';
import { join } from 'node:path';
import type { LoadedConfig } from '../config/loader.js';
import type { MCPServerConfig, ProfileConfig } from '../config/schema.js';
import type { EngineClient } from '../engine/engine-client.js';
import type { ContainerSummary } from '../engine/types.js';
import { EventBus } from '../events/event-bus.js';
import { ImageService } from '../images/image-service.js';
import { canonicalJson, MCPError, MCPErrorCode, serverLogDir, stdioPipesDir } from '@mcpman/protocol';
import type { Disposable, Implementation } from '@mcpman/protocol';
import { LABEL, MANAGED_FILTER } from './labels.js';
import { foreignServer, ownerFilter, ownership } from './owner.js';
import type { ForeignServer, ManagerOwner } from './owner.js';
import { ServerSupervisor } from './server-supervisor.js';
import type { ServerLifecycle } from './server-lifecycle.js';
import { RemoteSupervisor } from './remote-supervisor.js';
import { PodmanSecretValues } from '../secrets/secret-values.js';
import type { SecretValues } from '../secrets/secret-values.js';
import { ServerLogStore } from './server-log.js';
import { STDIO_MODES, chooseStdioChannel } from '../upstream/stdio-channel.js';
import { pruneStdioPipes } from '../upstream/stdio-pipes.js';
import type { StdioChannel, StdioMode } from '../upstream/stdio-channel.js';
import { filledHeaders, learnSecretValues } from './server-secrets.js';
import { unmanagedStatus } from './server-status.js';
import type { ServerStatus } from './server-status.js';

export interface RuntimeOptions {
  /**
   * The Podman engine. Without one (`mcpman gateway`) the runtime keeps url: servers only, and
   * a config that names a container server is refused.
   */
  readonly engine?: EngineClient | undefined;
  /**
   * Where the manager reads secret values it sends itself (header templates); default: Podman
   * secrets. Without an engine it must be given.
   */
  readonly secrets?: SecretValues;
  /**
   * Whose servers these are. Every object the runtime creates carries this owner; it adopts,
   * recreates and removes only objects of this owner (and takes over unowned ones of servers
   * its config names), never another manager's. See owner.ts.
   */
  readonly owner: ManagerOwner;
  readonly bus?: EventBus;
  /** Where npm packages are staged; default ~/.cache/mcpman. */
  readonly cacheDir?: string;
  readonly clientInfo: Implementation;
  readonly clientCapabilities?: Readonly<Record<string, unknown>>;
  /** Servers started at once (image builds are the heavy part). */
  readonly parallelism?: number;
  /** Where stdio servers' logs go; default: the owner's logs/ in the state dir (see serverLogDir). */
  readonly logDir?: string;
  /**
   * How stdio servers' stdin/stdout reach the manager: `auto` (default) uses host FIFOs when
   * the engine runs on this machine, else the engine's attach stream. $MCPMAN_STDIO_CHANNEL
   * overrides it. See StdioChannel.
   */
  readonly stdio?: StdioMode;
  /** Where the FIFO directories go; default: the state dir's stdio/. */
  readonly stdioDir?: string;
}

export interface DownOptions {
  /**
   * Remove what every manager created, not only this owner's: other managers' servers and
   * containers from before owner labels too. Off by default.
   */
  readonly all?: boolean;
  /**
   * Also remove stored secrets (user data: kept by default): with `all`, every secret mcpman
   * stored; else only those named in `secretNames` (the ones this owner's config uses).
   */
  readonly secrets?: boolean;
  readonly secretNames?: readonly string[];
  /**
   * Also remove images built for servers (a cache: kept by default): with `all`, every one;
   * else those of this owner's containers that no other container uses.
   */
  readonly images?: boolean;
}

export interface DownReport {
  readonly containers: number;
  readonly networks: number;
  readonly volumes: number;
  readonly secrets: number;
  readonly images: number;
  /** Server containers of other managers (or of none) that were left running. */
  readonly others: number;
}

export function defaultCacheDir(): string {
  return join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'mcpman');
}

/** Run `fn` over `items`, at most `limit` at a time. */
async function bounded<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  const workers = Array.from({ length: Math.max(1, Math.min(limit, queue.length)) }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item);
  });
  await Promise.all(workers);
}

/**
 * The control plane: makes running state match the config and keeps it so. Labels on engine
 * objects are the only state; a new runtime adopts what an earlier one left running.
 */
export class McpRuntime implements Disposable {
  readonly bus: EventBus;
  private readonly podman: EngineClient | undefined;
  private readonly imageService: ImageService | undefined;
  readonly secrets: SecretValues;
  private readonly supervisors = new Map<string, ServerLifecycle>();
  readonly logs: ServerLogStore;
  private readonly options: RuntimeOptions;
  private eventsAbort: AbortController | undefined;
  private configDir = process.cwd();
  private reconcileQueue: Promise<void> = Promise.resolve();
  private stdioChannel: Promise<StdioChannel> | undefined;
  private configApplied = false;
  private profileConfig: Readonly<Record<string, ProfileConfig>> = {};

  constructor(options: RuntimeOptions) {
    this.options = options;
    this.podman = options.engine;
    this.bus = options.bus ?? new EventBus();
    const engine = options.engine;
    this.imageService =
      engine === undefined
        ? undefined
        : new ImageService({ engine, cacheDir: options.cacheDir ?? defaultCacheDir() });
    const images = this.imageService;
    const secrets =
      options.secrets ??
      (engine === undefined || images === undefined
        ? undefined
        : new PodmanSecretValues(engine, () => images.baseImage()));
    if (secrets === undefined)
      throw new MCPError(MCPErrorCode.Internal, 'a runtime without an engine needs a secret source');
    this.secrets = secrets;
    this.logs = new ServerLogStore(options.logDir ?? serverLogDir(options.owner.id));
  }

  /** Whether this runtime has a Podman engine (it runs container servers). */
  get hasEngine(): boolean {
    return this.podman !== undefined;
  }

  get engine(): EngineClient {
    if (this.podman === undefined) throw noEngine('this operation');
    return this.podman;
  }

  get images(): ImageService {
    if (this.imageService === undefined) throw noEngine('this operation');
    return this.imageService;
  }

  get owner(): ManagerOwner {
    return this.options.owner;
  }

  /** Server containers on the engine that are not this owner's: shown read-only, never touched. */
  async foreignServers(): Promise<ForeignServer[]> {
    const containers = await this.engine.listContainers({ ...MANAGED_FILTER, [LABEL.role]: 'server' });
    return containers.filter((c) => ownership(c.labels, this.owner) !== 'mine').map((c) => foreignServer(c));
  }

  /** This owner's container of server `name`, if the engine has one. */
  async serverContainer(name: string): Promise<ContainerSummary | undefined> {
    const [container] = await this.engine.listContainers({
      ...ownerFilter(this.owner),
      [LABEL.server]: name,
      [LABEL.role]: 'server',
    });
    return container;
  }

  /**
   * The servers `names` of this owner's config as the engine shows them when no manager runs
   * them (the CLI with no manager up): every one `stopped`, with its container's state.
   */
  async unmanagedStatus(names: readonly string[]): Promise<ServerStatus[]> {
    const containers = await this.engine.listContainers({
      ...ownerFilter(this.owner),
      [LABEL.role]: 'server',
    });
    return names.map((name) =>
      unmanagedStatus(
        name,
        containers.find((c) => c.labels[LABEL.server] === name),
      ),
    );
  }

  /**
   * Remove server `name`: its supervisor, if this runtime has one, stops, and whatever is
   * labelled with this owner and the server (containers, per-client session containers,
   * networks) goes, whether or not this runtime created it. Other managers' `name` stays.
   */
  async removeServer(name: string): Promise<{ containers: number; networks: number }> {
    const supervisor = this.supervisors.get(name);
    this.supervisors.delete(name);
    await supervisor?.stop({ remove: true, reason: 'removed' });
    const filter = { ...ownerFilter(this.owner), [LABEL.server]: name };
    const containers = await this.engine.listContainers(filter);
    await Promise.all(containers.map((c) => this.engine.removeContainer(c.id)));
    const networks = await this.engine.listNetworks(filter);
    for (const network of networks) await this.engine.removeNetwork(network.name);
    return { containers: containers.length, networks: networks.length };
  }

  /**
   * Read the secrets of server `name` (header templates and environment), so their values are redacted from
   * whatever this process prints next (the CLI showing an http server's own log, which may echo
   * them). Secrets that cannot be read have no value to redact, and are not an error here.
   */
  async learnHeaderSecrets(loaded: LoadedConfig, name: string): Promise<void> {
    const server = loaded.config.servers[name];
    if (server === undefined) return;
    this.imageService?.setBaseImage(loaded.config.images.base);
    this.imageService?.setNpmInstall(loaded.config.images.npmInstall);
    await filledHeaders(this.secrets, server).catch(() => undefined);
    // An http server's own log is the engine's, unredacted: its environment secrets too.
    await learnSecretValues(this.secrets, server);
  }

  get(name: string): ServerLifecycle | undefined {
    return this.supervisors.get(name);
  }

  /**
   * Whether a config has been applied far enough to know which servers it runs. Until then the
   * runtime has no servers, which must not read as "all of them ready".
   */
  get applied(): boolean {
    return this.configApplied;
  }

  servers(): ServerLifecycle[] {
    return [...this.supervisors.values()];
  }

  status(): ServerStatus[] {
    return this.servers().map((supervisor) => supervisor.status());
  }

  /**
   * Reconcile: servers new to the config are created, changed ones recreated, removed ones
   * deleted, unchanged ones left alone. Resolves when every server has settled (ready, failed
   * or stopped); `settle: false` returns as soon as the work has been started.
   */
  async apply(loaded: LoadedConfig, options: { settle?: boolean } = {}): Promise<void> {
    // Reconciles run one after another (a file watch and an API reload may ask at once); the
    // next one starts once the previous has decided what to run, not once servers are ready.
    const planned = this.reconcileQueue.then(() => this.reconcile(loaded));
    this.reconcileQueue = planned.then(
      () => undefined,
      () => undefined,
    );
    const { started, starting } = await planned;
    this.configApplied = true;
    if (options.settle === false) {
      starting.catch(() => undefined);
      return;
    }
    await starting;
    await Promise.all(started.map((supervisor) => supervisor.settled()));
  }

  /** The profiles of the config applied last: named shares of the servers for the gateway. */
  profiles(): Readonly<Record<string, ProfileConfig>> {
    return this.profileConfig;
  }

  private async reconcile(
    loaded: LoadedConfig,
  ): Promise<{ started: ServerLifecycle[]; starting: Promise<void> }> {
    this.configDir = loaded.dir;
    this.profileConfig = loaded.config.profiles;
    const wanted = new Map(Object.entries(loaded.config.servers).filter(([, server]) => server.enabled));
    const containerServers = [...wanted].filter(([, server]) => server.source.type !== 'remote');
    if (this.podman === undefined && containerServers.length > 0)
      throw noEngine(containerServers.map(([name]) => `server ${name}`).join(', '));
    const engineSide = this.podman === undefined ? undefined : await this.engineState();
    const baseChanged = this.imageService?.setBaseImage(loaded.config.images.base) ?? false;
    this.imageService?.setNpmInstall(loaded.config.images.npmInstall);

    // Servers no longer wanted: stop their supervisors, remove their containers and networks.
    for (const [name, supervisor] of [...this.supervisors]) {
      if (!wanted.has(name)) {
        this.supervisors.delete(name);
        this.bus.emit({
          type: 'reconcile',
          server: name,
          action: 'remove',
          reason: 'no longer in the config',
          at: Date.now(),
        });
        await supervisor.stop({ remove: true, reason: 'removed from the config' });
      }
    }
    if (engineSide !== undefined) await this.removeOrphans(engineSide.mine, wanted);

    const toStart: { supervisor: ServerLifecycle; existing: ContainerSummary[] }[] = [];
    for (const [name, server] of wanted) {
      const running = this.supervisors.get(name);
      const rebuild = baseChanged && this.configApplied && server.source.type === 'npx';
      if (running !== undefined && !rebuild && sameConfig(running.config, server)) {
        this.bus.emit({
          type: 'reconcile',
          server: name,
          action: 'keep',
          reason: 'unchanged',
          at: Date.now(),
        });
        continue;
      }
      if (running !== undefined)
        await running.stop({ remove: false, reason: rebuild ? 'images.base changed' : 'config changed' });
      const supervisor = this.supervise(name, server, loaded.dir, engineSide?.stdio);
      const claimable = engineSide?.claimable ?? [];
      this.supervisors.set(name, supervisor);
      toStart.push({ supervisor, existing: claimable.filter((c) => c.labels[LABEL.server] === name) });
    }
    const starting = bounded(toStart, this.options.parallelism ?? 8, ({ supervisor, existing }) =>
      supervisor.start(existing),
    );
    return { started: toStart.map(({ supervisor }) => supervisor), starting };
  }

  /** What the engine has of ours, read once per reconcile (and engine events followed from now). */
  private async engineState(): Promise<{
    stdio: StdioChannel;
    mine: ContainerSummary[];
    claimable: ContainerSummary[];
  }> {
    this.watchEngineEvents();
    // Every manager's containers, so FIFO directories of other managers' live ones are kept.
    const managed = await this.engine.listContainers(MANAGED_FILTER);
    const stdio = await this.stdio(managed);
    const servers = managed.filter((c) => c.labels[LABEL.role] === 'server');
    return {
      stdio,
      mine: servers.filter((c) => ownership(c.labels, this.owner) === 'mine'),
      // Unowned ones (from before owner labels) of servers we run are taken over; see the supervisor.
      claimable: servers.filter((c) => ownership(c.labels, this.owner) !== 'other'),
    };
  }

  private supervise(
    name: string,
    server: MCPServerConfig,
    dir: string,
    stdio: StdioChannel | undefined,
  ): ServerLifecycle {
    const common = {
      logs: this.logs,
      bus: this.bus,
      secrets: this.secrets,
      clientInfo: this.options.clientInfo,
      ...(this.options.clientCapabilities === undefined
        ? {}
        : { clientCapabilities: this.options.clientCapabilities }),
    };
    if (server.source.type === 'remote') return new RemoteSupervisor(name, server, common);
    return new ServerSupervisor(name, server, dir, {
      ...common,
      engine: this.engine,
      owner: this.owner,
      images: this.images,
      ...(stdio === undefined ? {} : { stdio }),
    });
  }

  private get stdioRoot(): string {
    return this.options.stdioDir ?? stdioPipesDir();
  }

  /**
   * Decided once per runtime. The first time, FIFO directories of containers that no longer
   * exist (an earlier manager that crashed) are removed.
   */
  private stdio(containers: readonly ContainerSummary[]): Promise<StdioChannel> {
    this.stdioChannel ??= (async () => {
      const channel = await chooseStdioChannel(
        this.engine,
        stdioModeFrom(process.env['MCPMAN_STDIO_CHANNEL']) ?? this.options.stdio ?? 'auto',
        this.stdioRoot,
      );
      await channel.prune(new Set(containers.map((c) => c.name)));
      return channel;
    })();
    return this.stdioChannel;
  }

  /** Resolves once every server has settled. */
  async settled(): Promise<void> {
    await Promise.all(this.servers().map((supervisor) => supervisor.settled()));
  }

  /**
   * This owner's containers for servers the config does not name (e.g. left by a crashed
   * manager), and their networks. Other managers' and unowned ones are not ours to remove.
   */
  private async removeOrphans(
    containers: readonly ContainerSummary[],
    wanted: ReadonlyMap<string, MCPServerConfig>,
  ): Promise<void> {
    const orphans = containers.filter((c) => {
      const server = c.labels[LABEL.server];
      return server === undefined || !wanted.has(server);
    });
    for (const orphan of orphans) {
      this.bus.emit({
        type: 'reconcile',
        server: orphan.labels[LABEL.server] ?? orphan.name,
        action: 'remove',
        reason: 'not in the config',
        at: Date.now(),
      });
      await this.engine.removeContainer(orphan.id);
    }
    const networks = await this.engine.listNetworks(ownerFilter(this.owner));
    for (const network of networks) {
      const server = network.labels[LABEL.server];
      if (server !== undefined && !wanted.has(server)) await this.engine.removeNetwork(network.name);
    }
  }

  /** Follow engine events for managed containers, reconnecting with backoff if the stream breaks. */
  private watchEngineEvents(): void {
    if (this.eventsAbort !== undefined) return;
    const abort = new AbortController();
    this.eventsAbort = abort;
    const stopped = (): boolean => abort.signal.aborted;
    const loop = async (): Promise<void> => {
      let delay = 250;
      while (!stopped()) {
        try {
          for await (const event of this.engine.events(ownerFilter(this.owner), abort.signal)) {
            delay = 250;
            if (event.type !== 'container') continue;
            const server = event.labels[LABEL.server];
            if (server !== undefined) this.supervisors.get(server)?.handleEngineEvent(event);
          }
        } catch {
          // The engine went away (restart, socket closed): try again shortly.
        }
        if (stopped()) return;
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, 5_000);
      }
    };
    void loop();
  }

  /** Stop managing every server and leave their containers as they are (see ServerSupervisor.release). */
  async releaseAll(): Promise<void> {
    await Promise.all(this.servers().map((supervisor) => supervisor.release()));
    this.supervisors.clear();
  }

  /** Stop every server; with `remove`, delete their containers and networks too. */
  async stopAll(options: { remove: boolean }): Promise<void> {
    await Promise.all(
      this.servers().map((supervisor) =>
        supervisor.stop({ remove: options.remove, reason: 'manager stopping' }),
      ),
    );
    if (options.remove) this.supervisors.clear();
  }

  /**
   * Remove what this owner created, found by label, whether or not this runtime started it:
   * containers, networks, volumes; secrets and images only when asked. With `all`, what every
   * manager created.
   */
  async down(options: DownOptions = {}): Promise<DownReport> {
    if (this.podman === undefined) {
      await this.stopAll({ remove: true });
      return { containers: 0, networks: 0, volumes: 0, secrets: 0, images: 0, others: 0 };
    }
    const all = options.all === true;
    const filter = all ? MANAGED_FILTER : ownerFilter(this.owner);
    // Count from what exists before anything is stopped, so the report covers it all.
    const containers = await this.engine.listContainers(filter);
    const networks = await this.engine.listNetworks(filter);
    const volumes = await this.engine.listVolumes(filter);
    await this.stopAll({ remove: true });
    // Containers before networks and volumes: those are in use until their containers are gone.
    await Promise.all(containers.map((c) => this.engine.removeContainer(c.id)));
    for (const network of networks) await this.engine.removeNetwork(network.name);
    for (const volume of volumes) await this.engine.removeVolume(volume.name);
    const left = all ? [] : await this.engine.listContainers(MANAGED_FILTER);
    await pruneStdioPipes(this.stdioRoot, new Set(left.map((c) => c.name)));
    return {
      containers: containers.length,
      networks: networks.length,
      volumes: volumes.length,
      secrets: options.secrets === true ? await this.removeSecrets(all, options.secretNames ?? []) : 0,
      images: options.images === true ? await this.removeImages(all, containers, left) : 0,
      others: left.filter((c) => c.labels[LABEL.role] === 'server').length,
    };
  }

  private async removeSecrets(all: boolean, names: readonly string[]): Promise<number> {
    const named = new Set(names);
    let removed = 0;
    for (const secret of await this.engine.listSecrets()) {
      if (secret.labels[LABEL.managed] !== 'true' || (!all && !named.has(secret.name))) continue;
      if (await this.engine.removeSecret(secret.name)) removed += 1;
    }
    return removed;
  }

  /** Built server images: every one with `all`, else the removed containers' that nothing else uses. */
  private async removeImages(
    all: boolean,
    removed: readonly ContainerSummary[],
    left: readonly ContainerSummary[],
  ): Promise<number> {
    const ours = new Set(removed.map((c) => c.imageId));
    const inUse = new Set(left.map((c) => c.imageId));
    let count = 0;
    for (const image of await this.engine.listImages({ [LABEL.imageHash]: true })) {
      const id = image.id.replace(/^sha256:/, '');
      if (!all && (!ours.has(id) || inUse.has(id))) continue;
      await this.engine.removeImage(image.id);
      count += 1;
    }
    return count;
  }

  dispose(): void {
    void this.logs.close();
    this.eventsAbort?.abort();
    this.eventsAbort = undefined;
  }

  get directory(): string {
    return this.configDir;
  }
}

/** ENGINE_UNAVAILABLE for what needs Podman in a runtime that has none. */
function noEngine(what: string): MCPError {
  return new MCPError(
    MCPErrorCode.EngineUnavailable,
    `${what} needs Podman, and this manager runs without it (url: servers only)`,
    { hint: 'Run the config with `mcpman up`, or give every server a url:.' },
  );
}

function sameConfig(a: MCPServerConfig, b: MCPServerConfig): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

function stdioModeFrom(value: string | undefined): StdioMode | undefined {
  return STDIO_MODES.find((mode) => mode === value);
}
