import Docker from 'dockerode';
import type { ContainerInspectInfo, ContainerInfo } from 'dockerode';
import type { Readable } from 'node:stream';
import { isMCPError, MCPError, MCPErrorCode, ResiliencePolicy } from '@mcpman/protocol';
import type { ResilienceOptions } from '@mcpman/protocol';
import { FrameDemuxer, LineSplitter } from './demux.js';
import type { Frame } from './demux.js';
import { engineError, engineMessage, hijack, rawRequest, streamRequest } from './http.js';
import { discoverEngineSocket } from './socket.js';
import type { SocketCandidate } from './socket.js';
import {
  CreateResponseWire,
  EventWire,
  InfoWire,
  RuntimeStateWire,
  SecretWire,
  StatsWire,
  toContainerState,
} from './types.js';
import type {
  ContainerDetails,
  ContainerSummary,
  EngineEvent,
  ImageDetails,
  Labels,
  NetworkSummary,
  PortBinding,
  SecretSummary,
  VolumeSummary,
} from './types.js';
import type { ContainerCreateSpec } from './create-spec.js';

/** dockerode's errors carry the HTTP status and the engine's JSON body. */
interface DockerodeError {
  readonly statusCode?: number;
  readonly json?: unknown;
  readonly message?: string;
}

function isDockerodeError(error: unknown): error is DockerodeError {
  return typeof error === 'object' && error !== null && 'statusCode' in error;
}

/** A socket nobody listens on (no engine, wrong path): say so, rather than a raw errno. */
const UNREACHABLE = new Set(['ENOENT', 'ECONNREFUSED', 'EACCES', 'ECONNRESET']);

function fromDockerode(error: unknown, what: string, notFound?: MCPErrorCode): unknown {
  if (isMCPError(error)) return error;
  const errno = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
  if (typeof errno === 'string' && UNREACHABLE.has(errno)) {
    // Node names the socket it tried; the user needs it to tell a wrong path from a stopped engine.
    const address = (error as { address?: unknown }).address;
    const at = typeof address === 'string' ? ` at ${address}` : '';
    return new MCPError(
      MCPErrorCode.EngineUnavailable,
      `the Podman API${at} did not answer (${what}: ${errno})`,
      {
        cause: error,
        hint: 'Start Podman (a Podman machine, or `podman system service`) and check its socket path.',
      },
    );
  }
  if (!isDockerodeError(error)) return error;
  const body = error.json === undefined ? (error.message ?? '') : JSON.stringify(error.json);
  const mapped = engineError(error.statusCode ?? 0, body, what, notFound);
  return new MCPError(mapped.code, mapped.message, { cause: error, data: mapped.data });
}

function labelFilter(labels: Readonly<Record<string, string | true>>): string[] {
  return Object.entries(labels).map(([key, value]) => (value === true ? key : `${key}=${value}`));
}

export interface AttachedStreams {
  /** Write to the container's stdin. */
  readonly stdin: NodeJS.WritableStream & { end(): void; destroy(): void };
  /** Demultiplexed frames of stdout and stderr. */
  readonly frames: Readable;
  /** Closes the connection (which closes the container's stdin). */
  close(): void;
}

export interface LogOptions {
  readonly follow?: boolean;
  readonly stdout?: boolean;
  readonly stderr?: boolean;
  readonly tail?: number;
  readonly since?: number;
  readonly timestamps?: boolean;
  readonly signal?: AbortSignal;
}

export interface LogLine {
  readonly stream: 'stdout' | 'stderr';
  readonly text: string;
  /** ISO timestamp from the engine, when asked for. */
  readonly time: string | undefined;
}

export interface PullProgress {
  readonly status: string;
  readonly id?: string;
  readonly current?: number;
  readonly total?: number;
}

export interface BuildOptions {
  readonly context: string;
  /** Files and directories of the context to send. */
  readonly files: readonly string[];
  readonly containerfile: string;
  readonly tag: string;
  readonly labels?: Labels;
  readonly buildArgs?: Readonly<Record<string, string>>;
  readonly onOutput?: (line: string) => void;
}

export interface EngineClientOptions {
  readonly socketPath: string;
  readonly policy?: Partial<Omit<ResilienceOptions, 'name'>>;
}

/**
 * Typed access to the Podman API over its unix socket. Docker-compatible endpoints go through
 * dockerode (as Podman Desktop does); libpod endpoints only where the compatible API has no
 * equivalent: container creation with secrets mounted as files, secrets, and the attach hijack
 * (dockerode's sends a body, which Podman would feed to the container's stdin). Every call runs
 * under a retry/timeout/circuit-breaker policy.
 */
export class EngineClient {
  readonly socketPath: string;
  private readonly docker: Docker;
  private readonly policy: ResiliencePolicy;
  /** Long operations (pull, build) get their own generous timeout and no retry. */
  private readonly slowPolicy: ResiliencePolicy;

  constructor(options: EngineClientOptions) {
    this.socketPath = options.socketPath;
    this.docker = new Docker({ socketPath: options.socketPath });
    this.policy = new ResiliencePolicy({
      name: 'Podman API',
      timeoutMs: 30_000,
      timeoutCode: MCPErrorCode.EngineTimeout,
      ...options.policy,
    });
    this.slowPolicy = new ResiliencePolicy({
      name: 'Podman API (image build/pull)',
      timeoutMs: 30 * 60_000,
      timeoutCode: MCPErrorCode.EngineTimeout,
      retry: false,
      breaker: false,
    });
  }

  /** Connect to the first Podman socket that answers (see `socketCandidates`). */
  static async connect(
    env: NodeJS.ProcessEnv = process.env,
  ): Promise<EngineClient & { readonly source: SocketCandidate }> {
    const candidate = await discoverEngineSocket(env);
    return Object.assign(new EngineClient({ socketPath: candidate.path }), { source: candidate });
  }

  private call<T>(what: string, fn: () => Promise<T>, notFound?: MCPErrorCode): Promise<T> {
    return this.policy.execute(async () => {
      try {
        return await fn();
      } catch (error) {
        throw fromDockerode(error, what, notFound);
      }
    });
  }

  private async libpod(method: string, path: string, body?: string | Buffer, contentType?: string) {
    return this.policy.execute((signal) =>
      rawRequest(this.socketPath, { method, path, body, contentType, signal }),
    );
  }

  async ping(): Promise<void> {
    await this.call('ping', () => this.docker.ping());
  }

  async version(): Promise<{ version: string; apiVersion: string }> {
    const info = await this.call('version', () => this.docker.version());
    return { version: info.Version, apiVersion: info.ApiVersion };
  }

  /** The machine the engine runs on, as it reports it (to tell whether it is this one). */
  async hostInfo(): Promise<{ hostname: string; kernel: string }> {
    const info = InfoWire.parse(await this.call('info', (): Promise<unknown> => this.docker.info()));
    return { hostname: info.Name, kernel: info.KernelVersion };
  }

  // --- Containers ---------------------------------------------------------------------------

  async listContainers(labels: Readonly<Record<string, string | true>>): Promise<ContainerSummary[]> {
    const list = await this.call('list containers', () =>
      this.docker.listContainers({ all: true, filters: { label: labelFilter(labels) } }),
    );
    return list.map((info: ContainerInfo) => ({
      id: info.Id,
      name: (info.Names[0] ?? '').replace(/^\//, ''),
      image: info.Image,
      imageId: info.ImageID.replace(/^sha256:/, ''),
      state: toContainerState(info.State),
      labels: info.Labels,
    }));
  }

  /** Undefined when there is no such container. */
  async inspectContainer(idOrName: string): Promise<ContainerDetails | undefined> {
    try {
      const info = await this.call(
        `inspect container ${idOrName}`,
        () => this.docker.getContainer(idOrName).inspect(),
        MCPErrorCode.ContainerNotFound,
      );
      return toDetails(info);
    } catch (error) {
      if (isMCPError(error) && error.code === MCPErrorCode.ContainerNotFound) return undefined;
      throw error;
    }
  }

  /**
   * The container's instance in the OCI runtime as libpod reports it: `status` (`initialized`
   * once prepared for a start, `running`, `exited`...) and the PID of the conmon that serves
   * its attach sessions (0 when it has none). Another PID means another instance, so attach
   * sessions opened on the old one are gone. Undefined when there is no such container.
   */
  async runtimeState(id: string): Promise<{ status: string; conmonPid: number } | undefined> {
    const response = await this.libpod('GET', `/libpod/containers/${encodeURIComponent(id)}/json`);
    if (response.status === 404) return undefined;
    if (response.status !== 200) throw engineError(response.status, response.body, `inspect container ${id}`);
    const { State } = RuntimeStateWire.parse(JSON.parse(response.body.toString()));
    return { status: State.Status, conmonPid: State.ConmonPid };
  }

  /** Create with the libpod spec (see create-spec.ts); returns the container id. */
  async createContainer(spec: ContainerCreateSpec): Promise<string> {
    const response = await this.libpod('POST', '/libpod/containers/create', JSON.stringify(spec));
    if (response.status !== 201) {
      const error = engineError(response.status, response.body, `create container ${spec.name}`);
      throw new MCPError(MCPErrorCode.ContainerCreateFailed, error.message, { cause: error });
    }
    return CreateResponseWire.parse(JSON.parse(response.body.toString())).Id;
  }

  async startContainer(id: string): Promise<void> {
    try {
      await this.call(
        `start container ${id}`,
        () => this.docker.getContainer(id).start(),
        MCPErrorCode.ContainerNotFound,
      );
    } catch (error) {
      // 304: already running.
      if (isMCPError(error) && error.data?.['status'] === 304) return;
      if (isMCPError(error) && error.code !== MCPErrorCode.ContainerNotFound) {
        throw new MCPError(MCPErrorCode.ContainerStartFailed, error.message, {
          cause: error,
          hint: 'See the container log (`mcpman logs <name>`) for why the server did not start.',
        });
      }
      throw error;
    }
  }

  async stopContainer(id: string, timeoutSeconds = 5): Promise<void> {
    try {
      await this.call(`stop container ${id}`, () => this.docker.getContainer(id).stop({ t: timeoutSeconds }));
    } catch (error) {
      // 304 not running, 404 gone: both mean stopped.
      const status = isMCPError(error) ? error.data?.['status'] : undefined;
      if (status === 304 || status === 404) return;
      throw error;
    }
  }

  async killContainer(id: string, signal = 'SIGKILL'): Promise<void> {
    await this.call(`kill container ${id}`, () => this.docker.getContainer(id).kill({ signal }));
  }

  async removeContainer(id: string): Promise<void> {
    try {
      await this.call(`remove container ${id}`, () =>
        this.docker.getContainer(id).remove({ force: true, v: true }),
      );
    } catch (error) {
      if (isMCPError(error) && error.data?.['status'] === 404) return;
      throw error;
    }
  }

  /** One sample of a running container's memory use and CPU time (compat stats, no stream). */
  async containerStats(id: string): Promise<{ memoryBytes: number; cpuSeconds: number } | undefined> {
    const response = await this.libpod(
      'GET',
      `/containers/${encodeURIComponent(id)}/stats?stream=false&one-shot=true`,
    );
    if (response.status === 404 || response.status === 409) return undefined;
    if (response.status !== 200)
      throw engineError(response.status, response.body, `stats of container ${id}`);
    const parsed = StatsWire.safeParse(JSON.parse(response.body.toString()));
    if (!parsed.success) return undefined;
    return {
      memoryBytes: parsed.data.memory_stats.usage ?? 0,
      cpuSeconds: (parsed.data.cpu_stats.cpu_usage.total_usage ?? 0) / 1e9,
    };
  }

  /**
   * Attach to stdin (unless `stdin: false`), stdout and stderr. Attach before start so no output
   * is lost; the stream ends when the container exits.
   */
  async attachContainer(id: string, options: { readonly stdin?: boolean } = {}): Promise<AttachedStreams> {
    const stdin = options.stdin === false ? 0 : 1;
    const { socket, head } = await this.policy.execute(() =>
      hijack(
        this.socketPath,
        `/containers/${encodeURIComponent(id)}/attach?stream=1&stdin=${stdin}&stdout=1&stderr=1`,
      ),
    );
    socket.setNoDelay(true);
    const frames = new FrameDemuxer();
    if (head.length > 0) frames.write(head);
    socket.pipe(frames);
    socket.on('error', (error) => frames.destroy(error));
    return {
      stdin: socket,
      frames,
      close: () => {
        socket.destroy();
      },
    };
  }

  /** Log lines of a container. With `follow`, the iterator ends when the container stops or `signal` fires. */
  async *logs(id: string, options: LogOptions = {}): AsyncGenerator<LogLine> {
    const params = new URLSearchParams({
      stdout: String(options.stdout ?? true),
      stderr: String(options.stderr ?? true),
      follow: String(options.follow ?? false),
      timestamps: String(options.timestamps ?? true),
    });
    if (options.tail !== undefined) params.set('tail', String(options.tail));
    if (options.since !== undefined) params.set('since', String(Math.floor(options.since / 1000)));
    const response = await this.policy.execute(() =>
      streamRequest(
        this.socketPath,
        `/containers/${encodeURIComponent(id)}/logs?${params.toString()}`,
        options.signal,
      ),
    );
    const frames = response.pipe(new FrameDemuxer());
    const splitters = { stdout: new LineSplitter(), stderr: new LineSplitter() };
    try {
      for await (const frame of frames as AsyncIterable<Frame>) {
        if (frame.stream === 'stdin') continue;
        for (const raw of splitters[frame.stream].push(frame.payload.toString('utf8'))) {
          yield splitTimestamp(frame.stream, raw, options.timestamps ?? true);
        }
      }
    } catch (error) {
      if (options.signal?.aborted !== true) throw error;
    } finally {
      response.destroy();
    }
  }

  // --- Events -------------------------------------------------------------------------------

  /** Engine events for objects with these labels, until `signal` fires or the stream breaks. */
  async *events(
    labels: Readonly<Record<string, string | true>>,
    signal?: AbortSignal,
  ): AsyncGenerator<EngineEvent> {
    const filters = encodeURIComponent(JSON.stringify({ label: labelFilter(labels) }));
    const response = await this.policy.execute(() =>
      streamRequest(this.socketPath, `/events?filters=${filters}`, signal),
    );
    const lines = new LineSplitter();
    try {
      for await (const chunk of response as AsyncIterable<Buffer>) {
        for (const line of lines.push(chunk.toString('utf8'))) {
          if (line.trim() === '') continue;
          const event = parseEvent(line);
          if (event !== undefined) yield event;
        }
      }
    } catch (error) {
      if (signal?.aborted !== true) throw error;
    } finally {
      response.destroy();
    }
  }

  // --- Images -------------------------------------------------------------------------------

  async inspectImage(ref: string): Promise<ImageDetails | undefined> {
    try {
      const info = await this.call(
        `inspect image ${ref}`,
        () => this.docker.getImage(ref).inspect(),
        MCPErrorCode.ImageNotFound,
      );
      return {
        id: info.Id,
        labels: orEmpty(info.Config.Labels),
        entrypoint: toList(info.Config.Entrypoint),
        cmd: toList(info.Config.Cmd),
        user: info.Config.User,
        workingDir: info.Config.WorkingDir,
      };
    } catch (error) {
      if (isMCPError(error) && error.code === MCPErrorCode.ImageNotFound) return undefined;
      throw error;
    }
  }

  /**
   * Follow a pull or build progress stream to its end. Resolves when it ends well; otherwise
   * rejects with the stream's own error text (Podman reports failures inside the stream).
   */
  private followProgress(
    stream: NodeJS.ReadableStream,
    onEvent: (event: unknown) => void,
  ): Promise<string | undefined> {
    return new Promise((resolve) => {
      this.docker.modem.followProgress(
        stream,
        (error: Error | null, events: unknown[]) => {
          const failure = error ?? findStreamError(events);
          resolve(failure === undefined ? undefined : describe(failure));
        },
        onEvent,
      );
    });
  }

  async pullImage(ref: string, onProgress?: (progress: PullProgress) => void): Promise<void> {
    await this.slowPolicy.execute(async () => {
      let stream: NodeJS.ReadableStream;
      try {
        stream = await this.docker.pull(ref);
      } catch (error) {
        throw new MCPError(MCPErrorCode.ImagePullFailed, `pulling ${ref} failed: ${describe(error)}`, {
          cause: error,
          hint: 'Check the image name and that its registry is reachable, or use a local image or build: source.',
        });
      }
      const failure = await this.followProgress(stream, (event) => {
        const progress = toPullProgress(event);
        if (progress !== undefined) onProgress?.(progress);
      });
      if (failure !== undefined)
        throw new MCPError(MCPErrorCode.ImagePullFailed, `pulling ${ref} failed: ${failure}`);
    });
  }

  async buildImage(options: BuildOptions): Promise<void> {
    await this.slowPolicy.execute(async () => {
      let stream: NodeJS.ReadableStream;
      try {
        stream = await this.docker.buildImage(
          { context: options.context, src: [...options.files] },
          {
            t: options.tag,
            dockerfile: options.containerfile,
            rm: true,
            forcerm: true,
            // dockerode sends an undefined option as an empty parameter, which Podman rejects.
            ...(options.labels === undefined ? {} : { labels: options.labels }),
            ...(options.buildArgs === undefined ? {} : { buildargs: options.buildArgs }),
          },
        );
      } catch (error) {
        throw new MCPError(
          MCPErrorCode.ImageBuildFailed,
          `building ${options.tag} failed: ${describe(error)}`,
          {
            cause: error,
          },
        );
      }
      const output: string[] = [];
      const failure = await this.followProgress(stream, (event) => {
        const text = streamText(event);
        if (text === undefined) return;
        output.push(text);
        options.onOutput?.(text);
      });
      if (failure !== undefined) {
        throw new MCPError(MCPErrorCode.ImageBuildFailed, `building ${options.tag} failed: ${failure}`, {
          data: { output: output.slice(-20).join('\n') },
          hint: 'Read the build output above; fix the Containerfile or the source.',
        });
      }
    });
  }

  /** Give an image another name (`repo:tag`), as `podman tag` does. */
  async tagImage(ref: string, target: string): Promise<void> {
    const response = await this.libpod(
      'POST',
      `/libpod/images/${encodeURIComponent(ref)}/tag?${repoTag(target)}`,
    );
    if (response.status !== 201) throw engineError(response.status, response.body, `tag ${ref} as ${target}`);
  }

  /** Take one name off an image (the image and its other names stay), as `podman untag` does. */
  async untagImage(ref: string, name: string): Promise<void> {
    const response = await this.libpod(
      'POST',
      `/libpod/images/${encodeURIComponent(ref)}/untag?${repoTag(name)}`,
    );
    if (response.status !== 201) throw engineError(response.status, response.body, `untag ${name}`);
  }

  /**
   * Push an image to the registry its name points at (libpod's push: it takes `tlsVerify`,
   * which a registry on loopback or without a certificate needs turned off).
   */
  async pushImage(ref: string, options: { readonly tlsVerify?: boolean } = {}): Promise<void> {
    const query = `tlsVerify=${options.tlsVerify === false ? 'false' : 'true'}`;
    const response = await this.slowPolicy.execute((signal) =>
      rawRequest(this.socketPath, {
        method: 'POST',
        path: `/libpod/images/${encodeURIComponent(ref)}/push?${query}`,
        signal,
      }),
    );
    const failure =
      response.status === 200 ? pushFailure(response.body.toString()) : engineMessage(response.body);
    if (failure !== undefined) {
      throw new MCPError(MCPErrorCode.ImagePushFailed, `pushing ${ref} failed: ${failure}`, {
        hint: 'Check that the registry is reachable and you are logged in to it (podman login); a registry without TLS needs --tls-verify=false.',
      });
    }
  }

  async removeImage(ref: string): Promise<void> {
    try {
      await this.call(`remove image ${ref}`, () => this.docker.getImage(ref).remove({ force: true }));
    } catch (error) {
      if (isMCPError(error) && error.data?.['status'] === 404) return;
      throw error;
    }
  }

  async listImages(
    labels: Readonly<Record<string, string | true>>,
  ): Promise<{ id: string; tags: string[]; labels: Labels }[]> {
    const list = await this.call('list images', () =>
      this.docker.listImages({ filters: { label: labelFilter(labels) } }),
    );
    return list.map((image) => ({ id: image.Id, tags: image.RepoTags ?? [], labels: image.Labels }));
  }

  // --- Networks and volumes -----------------------------------------------------------------

  async listNetworks(labels: Readonly<Record<string, string | true>>): Promise<NetworkSummary[]> {
    const list = await this.call('list networks', () =>
      this.docker.listNetworks({ filters: { label: labelFilter(labels) } }),
    );
    return list.map((network) => ({
      id: network.Id,
      name: network.Name,
      internal: network.Internal,
      labels: network.Labels ?? {},
    }));
  }

  async createNetwork(name: string, options: { internal: boolean; labels: Labels }): Promise<void> {
    try {
      await this.call(`create network ${name}`, () =>
        this.docker.createNetwork({
          Name: name,
          Internal: options.internal,
          Labels: { ...options.labels },
          CheckDuplicate: true,
        }),
      );
    } catch (error) {
      // Podman 4 answers a duplicate with 409 or, from some paths, 500 "network already exists".
      if (
        isMCPError(error) &&
        (error.data?.['status'] === 409 || /already (exists|used)/.test(error.message))
      )
        return;
      throw error;
    }
  }

  async removeNetwork(name: string): Promise<void> {
    try {
      await this.call(`remove network ${name}`, () => this.docker.getNetwork(name).remove());
    } catch (error) {
      if (isMCPError(error) && error.data?.['status'] === 404) return;
      throw error;
    }
  }

  async listVolumes(labels: Readonly<Record<string, string | true>>): Promise<VolumeSummary[]> {
    const result = await this.call('list volumes', () =>
      this.docker.listVolumes({ filters: { label: labelFilter(labels) } }),
    );
    return result.Volumes.map((volume) => ({ name: volume.Name, labels: volume.Labels }));
  }

  async removeVolume(name: string): Promise<void> {
    try {
      await this.call(`remove volume ${name}`, () => this.docker.getVolume(name).remove({ force: true }));
    } catch (error) {
      if (isMCPError(error) && error.data?.['status'] === 404) return;
      throw error;
    }
  }

  // --- Secrets (libpod) ---------------------------------------------------------------------

  async listSecrets(): Promise<SecretSummary[]> {
    const response = await this.libpod('GET', '/libpod/secrets/json');
    if (response.status !== 200) throw engineError(response.status, response.body, 'list secrets');
    const parsed: unknown = JSON.parse(response.body.toString());
    return SecretWire.array()
      .parse(parsed ?? [])
      .map((secret) => ({
        id: secret.ID,
        name: secret.Spec.Name,
        labels: secret.Spec.Labels ?? {},
        createdAt: secret.CreatedAt ?? '',
      }));
  }

  /**
   * Store a secret. Podman secrets cannot be updated in place, so `replace` removes the old one
   * first. The value goes in the request body only; it is never logged or put in an error.
   */
  async createSecret(name: string, value: string, labels: Labels, replace = false): Promise<void> {
    if (replace) await this.removeSecret(name);
    const params = new URLSearchParams({ name, labels: JSON.stringify(labels) });
    const response = await this.libpod(
      'POST',
      `/libpod/secrets/create?${params.toString()}`,
      value,
      'application/octet-stream',
    );
    if (response.status !== 200 && response.status !== 201) {
      // The body is the engine's message about the request, which does not echo the value.
      const exists = response.status === 409 || /already in use|exists/i.test(engineMessage(response.body));
      throw new MCPError(
        exists ? MCPErrorCode.SecretInvalid : MCPErrorCode.EngineRequestFailed,
        exists
          ? `a secret named "${name}" already exists`
          : `storing secret "${name}" failed (HTTP ${response.status})`,
        { hint: exists ? 'Replace it with `mcpman secret set` (it overwrites).' : undefined },
      );
    }
  }

  async removeSecret(name: string): Promise<boolean> {
    const response = await this.libpod('DELETE', `/libpod/secrets/${encodeURIComponent(name)}`);
    if (response.status === 404) return false;
    if (response.status >= 300) throw engineError(response.status, response.body, `remove secret ${name}`);
    return true;
  }
}

// --- Mapping helpers ------------------------------------------------------------------------

/** The HostConfig fields read here, typed as Podman may send them (any may be missing). */
interface HostConfigFields {
  readonly ReadonlyRootfs?: boolean;
  readonly CapDrop?: string[] | null;
  readonly CapAdd?: string[] | null;
  readonly SecurityOpt?: string[] | null;
  readonly PidsLimit?: number | null;
  readonly NanoCpus?: number;
  readonly Memory?: number;
  readonly NetworkMode?: string;
}

/** Podman sends null where Docker's types promise a map. */
function orEmpty(
  value: Readonly<Record<string, string>> | null | undefined,
): Readonly<Record<string, string>> {
  return value ?? {};
}

function toList(value: string | string[] | null | undefined): string[] {
  if (value === null || value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function toDetails(info: ContainerInspectInfo): ContainerDetails {
  const ports: PortBinding[] = [];
  for (const [key, bindings] of Object.entries(info.NetworkSettings.Ports)) {
    const [port = '0', protocol = 'tcp'] = key.split('/');
    for (const binding of bindings) {
      ports.push({
        containerPort: Number(port),
        protocol,
        hostIp: binding.HostIp,
        hostPort: Number(binding.HostPort),
      });
    }
  }
  const networks: Record<string, { ipAddress: string }> = {};
  for (const [name, network] of Object.entries(info.NetworkSettings.Networks)) {
    networks[name] = { ipAddress: network.IPAddress };
  }
  const host = info.HostConfig as unknown as HostConfigFields;
  return {
    id: info.Id,
    name: info.Name.replace(/^\//, ''),
    image: info.Config.Image,
    imageId: info.Image.replace(/^sha256:/, ''),
    state: toContainerState(info.State.Status),
    labels: orEmpty(info.Config.Labels),
    running: info.State.Running,
    exitCode: info.State.ExitCode,
    oomKilled: info.State.OOMKilled,
    pid: info.State.Pid,
    error: info.State.Error,
    startedAt: info.State.StartedAt,
    finishedAt: info.State.FinishedAt,
    ports,
    networks,
    user: info.Config.User,
    readOnlyRootfs: host.ReadonlyRootfs ?? false,
    capDrop: host.CapDrop ?? [],
    capAdd: host.CapAdd ?? [],
    securityOpt: host.SecurityOpt ?? [],
    memoryBytes: host.Memory ?? 0,
    nanoCpus: host.NanoCpus ?? 0,
    pidsLimit: host.PidsLimit ?? 0,
    networkMode: host.NetworkMode ?? '',
    env: info.Config.Env,
  };
}

function parseEvent(line: string): EngineEvent | undefined {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return undefined;
  }
  const parsed = EventWire.safeParse(json);
  if (!parsed.success) return undefined;
  const event = parsed.data;
  const attributes = event.Actor?.Attributes ?? {};
  const exit = attributes['exitCode'] ?? attributes['containerExitCode'];
  const { name, exitCode: _exit, containerExitCode: _cexit, image: _image, ...labels } = attributes;
  return {
    type: event.Type ?? 'container',
    action: event.Action ?? event.status ?? '',
    id: event.Actor?.ID ?? event.id ?? '',
    name,
    labels,
    exitCode: exit === undefined ? undefined : Number(exit),
    time: event.timeNano === undefined ? (event.time ?? 0) * 1000 : Math.floor(event.timeNano / 1e6),
  };
}

function splitTimestamp(stream: 'stdout' | 'stderr', raw: string, withTime: boolean): LogLine {
  if (!withTime) return { stream, text: raw, time: undefined };
  const space = raw.indexOf(' ');
  return space === -1
    ? { stream, text: raw, time: undefined }
    : { stream, text: raw.slice(space + 1), time: raw.slice(0, space) };
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  return JSON.stringify(error);
}

function field(event: unknown, key: string): unknown {
  return typeof event === 'object' && event !== null ? (event as Record<string, unknown>)[key] : undefined;
}

function findStreamError(events: unknown[] | undefined): string | undefined {
  for (const event of events ?? []) {
    const error = field(event, 'error');
    if (typeof error === 'string' && error !== '') return error;
  }
  return undefined;
}

function streamText(event: unknown): string | undefined {
  const text = field(event, 'stream') ?? field(event, 'status');
  return typeof text === 'string' && text.trim() !== '' ? text.trimEnd() : undefined;
}

function toPullProgress(event: unknown): PullProgress | undefined {
  const status = field(event, 'status');
  if (typeof status !== 'string') return undefined;
  const id = field(event, 'id');
  const detail = field(event, 'progressDetail');
  const current = field(detail, 'current');
  const total = field(detail, 'total');
  return {
    status,
    ...(typeof id === 'string' ? { id } : {}),
    ...(typeof current === 'number' ? { current } : {}),
    ...(typeof total === 'number' ? { total } : {}),
  };
}

/** `repo=…&tag=…` of an image name (`latest` when it has no tag). */
function repoTag(name: string): string {
  const colon = name.lastIndexOf(':');
  const [repo, tag] =
    colon > name.lastIndexOf('/') ? [name.slice(0, colon), name.slice(colon + 1)] : [name, 'latest'];
  return `repo=${encodeURIComponent(repo)}&tag=${encodeURIComponent(tag)}`;
}

/** The error in a libpod push stream (JSON objects, one of them `{"error": …}` when it failed). */
function pushFailure(body: string): string | undefined {
  for (const line of body.split(/\n|(?<=\})(?=\{)/)) {
    const text = line.trim();
    if (text === '') continue;
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === 'object' && parsed !== null && 'error' in parsed) {
        const error = parsed.error;
        if (typeof error === 'string' && error !== '') return error;
      }
    } catch {
      // Not one JSON object per line: progress text, nothing to report.
    }
  }
  return undefined;
}
