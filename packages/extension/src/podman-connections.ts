import { EventEmitter, provider } from '@podman-desktop/api';
import type { ContainerProviderConnection, Disposable, Event } from '@podman-desktop/api';

/**
 * The Podman connection the manager runs on: the first started `podman` connection. Follows
 * connections being registered, started, stopped and removed, and fires when the one in use
 * changes (to another socket, or to none).
 */
export class PodmanConnections implements Disposable {
  private current: ContainerProviderConnection | undefined;
  private readonly changed = new EventEmitter<ContainerProviderConnection | undefined>();
  readonly onDidChange: Event<ContainerProviderConnection | undefined> = this.changed.event;
  private readonly subscriptions: Disposable[];

  constructor() {
    const refresh = (): void => {
      this.refresh();
    };
    this.subscriptions = [
      provider.onDidRegisterContainerConnection(refresh),
      provider.onDidUnregisterContainerConnection(refresh),
      provider.onDidUpdateContainerConnection(refresh),
    ];
    this.current = this.find();
  }

  get connection(): ContainerProviderConnection | undefined {
    return this.current;
  }

  refresh(): void {
    const next = this.find();
    if (next?.endpoint.socketPath === this.current?.endpoint.socketPath) return;
    this.current = next;
    this.changed.fire(next);
  }

  private find(): ContainerProviderConnection | undefined {
    return provider
      .getContainerConnections()
      .map((c) => c.connection)
      .find((c) => c.type === 'podman' && c.status() === 'started');
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
    this.changed.dispose();
  }
}
