import { ProgressLocation, window } from '@podman-desktop/api';
import type { Disposable, Progress } from '@podman-desktop/api';
import type { EventBus } from '@mcpman/core';
import type { ManagerEvent } from '@mcpman/shared';

/**
 * What a task shows for one step. Podman Desktop replaces the task's title with each reported
 * message (`tasks/progress-impl.ts`), so every message names the server itself.
 */
function named(server: string, message: string): string {
  return `MCP server ${server}: ${message}`;
}

/** States a server is in while its image is pulled, installed or built. */
const PREPARING = new Set(['pulling', 'building']);

interface OpenTask {
  /** Undefined until Podman Desktop has created the task; reports wait in `lastMessage`. */
  progress: Progress<{ message?: string; increment?: number }> | undefined;
  readonly finish: (failure: Error | undefined) => void;
  lastMessage: string;
}

/**
 * Image pulls and builds as Podman Desktop tasks: the task widget shows one per server while
 * its image is prepared, with the latest step as its message, and ends it (failed, with the
 * reason, when the server failed) once the server moves on.
 */
export class ImageTasks implements Disposable {
  private readonly open = new Map<string, OpenTask>();
  private readonly subscription: { dispose(): void };

  constructor(bus: EventBus) {
    this.subscription = bus.on((event) => {
      this.handle(event);
    });
  }

  private handle(event: ManagerEvent): void {
    if (event.type === 'server.progress') {
      const task = this.open.get(event.server);
      if (task === undefined) this.start(event.server, event.phase, event.message);
      else this.report(event.server, task, event.message);
    } else if (event.type === 'server.state' && !PREPARING.has(event.state)) {
      const task = this.open.get(event.server);
      if (task === undefined) return;
      this.open.delete(event.server);
      task.finish(event.state === 'failed' ? new Error(event.reason) : undefined);
    }
  }

  private start(server: string, phase: string, message: string): void {
    let finish: (failure: Error | undefined) => void = () => undefined;
    const ended = new Promise<void>((resolve, reject) => {
      finish = (failure) => {
        if (failure === undefined) resolve();
        else reject(failure);
      };
    });
    const task: OpenTask = { progress: undefined, finish, lastMessage: message };
    this.open.set(server, task);
    const title = `MCP server ${server}: ${phase === 'pulling' ? 'pulling its image' : 'preparing its image'}`;
    window
      .withProgress({ location: ProgressLocation.TASK_WIDGET, title }, (progress) => {
        task.progress = progress;
        progress.report({ message: named(server, task.lastMessage) });
        return ended;
      })
      // A failed task shows as failed in the widget; the reason is also on the server itself.
      .catch(() => undefined);
  }

  private report(server: string, task: OpenTask, message: string): void {
    if (message === task.lastMessage) return;
    task.lastMessage = message;
    task.progress?.report({ message: named(server, message) });
  }

  dispose(): void {
    this.subscription.dispose();
    for (const task of this.open.values()) task.finish(undefined);
    this.open.clear();
  }
}
