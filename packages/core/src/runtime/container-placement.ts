import type { MCPServerConfig } from '../config/schema.js';
import type { EngineClient } from '../engine/engine-client.js';
import type { ContainerCreateSpec } from '../engine/create-spec.js';
import type { ContainerSummary } from '../engine/types.js';
import { MCPError, MCPErrorCode } from '@mcpman/protocol';
import type { EventBus, ReconcileEvent } from '../events/event-bus.js';
import type { StdioChannel } from '../upstream/stdio-channel.js';
import { effectiveNetwork } from './container-spec.js';
import { LABEL, containerName, isolatedNetworkName, unownedNames } from './labels.js';
import { ownerLabels, ownership } from './owner.js';
import type { ManagerOwner } from './owner.js';

export interface PlacementDeps {
  readonly engine: EngineClient;
  readonly owner: ManagerOwner;
  readonly bus: EventBus;
  readonly stdio: StdioChannel;
}

/**
 * Where one server's container lives on the engine, found by its labels: which container to
 * adopt or create, its isolated network, how the gateway reaches an http server, and what to
 * remove. Every decision is a `reconcile` event with its reason.
 */
export class ContainerPlacement {
  constructor(
    private readonly name: string,
    private readonly config: MCPServerConfig,
    private readonly deps: PlacementDeps,
  ) {}

  get networkName(): string {
    return isolatedNetworkName(this.deps.owner.id, this.name);
  }

  /** Per-client session containers cannot be adopted: their clients went with the old manager. */
  async removeSessionContainers(): Promise<void> {
    const left = await this.deps.engine.listContainers({
      [LABEL.managed]: 'true',
      [LABEL.server]: this.name,
      [LABEL.role]: 'session',
    });
    for (const container of left) {
      if (ownership(container.labels, this.deps.owner) === 'other') continue;
      this.emit('remove', `session container ${container.name} of an earlier manager`);
      await this.deps.engine.removeContainer(container.id);
      await this.deps.stdio.release(container.name);
    }
  }

  /** The server's own internal network, when its policy is `isolated`. */
  async ensureNetwork(): Promise<void> {
    if (effectiveNetwork(this.config) !== 'isolated') return;
    await this.deps.engine.createNetwork(this.networkName, {
      internal: true,
      labels: { [LABEL.managed]: 'true', ...ownerLabels(this.deps.owner), [LABEL.server]: this.name },
    });
  }

  /**
   * The one container this server should have: adopt one with the same config hash, remove
   * stale or duplicate ones, create it if there is none.
   */
  async ensureContainer(
    spec: ContainerCreateSpec,
    existing: readonly ContainerSummary[],
  ): Promise<{ id: string; running: boolean }> {
    const hash = spec.labels[LABEL.configHash] ?? '';
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
      if (stale.id === keep?.id) continue;
      this.emit('remove', stale.labels[LABEL.configHash] === hash ? 'duplicate container' : 'config changed');
      await this.deps.engine.removeContainer(stale.id);
    }
    if (keep !== undefined) {
      this.emit('adopt', `container ${keep.id.slice(0, 12)} (${keep.state})`);
      return { id: keep.id, running: keep.state === 'running' };
    }
    const recreate = candidates.length > 0 || migrated;
    this.emit(
      recreate ? 'recreate' : 'create',
      migrated ? 'taken over from before owner labels' : recreate ? 'config changed' : 'new server',
    );
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
      this.emit(
        'migrate',
        `container ${container.name} has no owner label: recreated as ${containerName(this.deps.owner.id, this.name)}`,
      );
      await this.deps.engine.removeContainer(container.id);
      await this.deps.stdio.release(container.name);
    }
    if (unowned.length > 0) {
      // Still in use if another container joined it; then it stays for `down --all`.
      await this.deps.engine.removeNetwork(unownedNames(this.name).network).catch(() => undefined);
    }
    return unowned.length > 0;
  }

  /** Where the gateway reaches an http server: its address on the isolated network, or the published port. */
  async httpUrl(id: string): Promise<URL> {
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

  /** Remove the server's container (when it has one), its stdio pipes and its isolated network. */
  async remove(containerId: string | undefined): Promise<void> {
    if (containerId !== undefined) await this.deps.engine.removeContainer(containerId);
    await this.deps.stdio.release(containerName(this.deps.owner.id, this.name));
    if (effectiveNetwork(this.config) === 'isolated') await this.deps.engine.removeNetwork(this.networkName);
  }

  private emit(action: ReconcileEvent['action'], reason: string): void {
    this.deps.bus.emit({ type: 'reconcile', server: this.name, action, reason, at: Date.now() });
  }
}
