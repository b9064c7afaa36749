import type { MCPErrorCode } from '../errors/codes.js';
import type { Disposable } from '../util/disposable.js';

/** The life of a managed server, as the CLI, dashboard and metrics see it. */
export type ServerState =
  | 'pending'
  | 'pulling'
  | 'building'
  | 'starting'
  | 'ready'
  | 'unhealthy'
  | 'restarting'
  | 'stopped'
  | 'failed';

export const SERVER_STATES: readonly ServerState[] = [
  'pending',
  'pulling',
  'building',
  'starting',
  'ready',
  'unhealthy',
  'restarting',
  'stopped',
  'failed',
];

/** States a server passes through on its way to ready, unhealthy, failed or stopped. */
export const TRANSITIONAL_STATES: ReadonlySet<ServerState> = new Set<ServerState>([
  'pending',
  'pulling',
  'building',
  'starting',
  'restarting',
]);

export interface ServerStateEvent {
  readonly type: 'server.state';
  readonly server: string;
  readonly state: ServerState;
  readonly previous: ServerState;
  /** Why, in words a user understands ("container exited with code 137 (killed)"). */
  readonly reason: string;
  readonly code?: MCPErrorCode;
  readonly at: number;
}

export interface ServerProgressEvent {
  readonly type: 'server.progress';
  readonly server: string;
  readonly phase: 'installing' | 'pulling' | 'building';
  readonly message: string;
  readonly current?: number;
  readonly total?: number;
  readonly at: number;
}

export interface ServerLogEvent {
  readonly type: 'server.log';
  readonly server: string;
  readonly stream: 'stdout' | 'stderr';
  readonly line: string;
  readonly at: number;
}

export interface ServerHealthEvent {
  readonly type: 'server.health';
  readonly server: string;
  readonly ok: boolean;
  readonly latencyMs: number;
  readonly error?: string;
  readonly at: number;
}

export interface ReconcileEvent {
  readonly type: 'reconcile';
  readonly server: string;
  readonly action: 'create' | 'recreate' | 'remove' | 'keep' | 'adopt' | 'migrate';
  readonly reason: string;
  readonly at: number;
}

export type ManagerEvent =
  ServerStateEvent | ServerProgressEvent | ServerLogEvent | ServerHealthEvent | ReconcileEvent;

export type ManagerEventOf<T extends ManagerEvent['type']> = Extract<ManagerEvent, { type: T }>;

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
