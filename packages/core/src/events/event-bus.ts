import type { ManagerEvent, ManagerEventOf } from '@mcpman/shared/contract';
import type { Disposable } from '@mcpman/protocol';

// The events are wire types (the management API streams them to the dashboard): they live in
// the contract package; the bus that carries them lives here.
export { SERVER_STATES, TRANSITIONAL_STATES } from '@mcpman/shared/contract';
export type {
  ManagerEvent,
  ManagerEventOf,
  ReconcileEvent,
  ServerHealthEvent,
  ServerLogEvent,
  ServerProgressEvent,
  ServerState,
  ServerStateEvent,
} from '@mcpman/shared/contract';

type Listener = (event: ManagerEvent) => void;

/**
 * One bus for everything that happens to managed servers. Listeners run synchronously in
 * order; one that throws is reported and does not stop the others.
 */
export class EventBus {
  private readonly listeners = new Set<Listener>();

  emit(event: ManagerEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (error) {
        process.emitWarning(`event listener failed on ${event.type}: ${String(error)}`);
      }
    }
  }

  on(listener: Listener): Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  onType<T extends ManagerEvent['type']>(type: T, listener: (event: ManagerEventOf<T>) => void): Disposable {
    return this.on((event) => {
      if (event.type === type) listener(event as ManagerEventOf<T>);
    });
  }

  /** Resolves with the first event that matches, or rejects after `timeoutMs`. */
  waitFor<T extends ManagerEvent>(
    predicate: (event: ManagerEvent) => event is T,
    timeoutMs: number,
  ): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        subscription.dispose();
        reject(new Error(`no matching event within ${timeoutMs} ms`));
      }, timeoutMs);
      const subscription = this.on((event) => {
        if (predicate(event)) {
          clearTimeout(timer);
          subscription.dispose();
          resolve(event);
        }
      });
    });
  }
}
