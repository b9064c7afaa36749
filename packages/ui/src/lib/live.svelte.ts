import type { ManagerEvent, Overview, ServerStatus } from '@mcpman/shared';
import { RpcError } from '@mcpman/shared';
import { api, client, onStreamState } from './client.js';
import { notify } from './toasts.svelte.js';

/** Where things stand: the overview, kept live by the event stream. */
class LiveState {
  overview = $state<Overview | undefined>(undefined);
  error = $state<RpcError | undefined>(undefined);
  loading = $state(true);
  /** Log lines that arrived since a detail page opened, by server. */
  logs = $state<Record<string, { at: number; line: string }[]>>({});
  /** The latest pull/build/install step of servers on their way up, by server. */
  progress = $state<Record<string, { phase: string; message: string; current?: number; total?: number }>>({});
  /** False while the browser's event stream is down (the status shown may be stale). */
  connected = $state(true);
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;

  start(): void {
    onStreamState((open) => {
      const reconnected = open && !this.connected;
      this.connected = open;
      // Events were missed while the stream was down: fetch where things stand now.
      if (reconnected) void this.refresh();
    });
    client.onEvent((event) => {
      this.apply(event);
    });
    void this.refresh();
  }

  server(name: string): ServerStatus | undefined {
    return this.overview?.servers.find((s) => s.name === name);
  }

  async refresh(): Promise<void> {
    try {
      this.overview = await api.getOverview();
      this.error = undefined;
    } catch (error) {
      this.error = RpcError.from(error);
    } finally {
      this.loading = false;
    }
  }

  /** Patch what the event says at once; fetch the rest (restarts, figures) shortly after. */
  private apply(event: ManagerEvent): void {
    if (event.type === 'server.state' && this.overview !== undefined) {
      const servers = this.overview.servers.map((s) =>
        s.name === event.server ? { ...s, state: event.state, reason: event.reason, since: event.at } : s,
      );
      this.overview = { ...this.overview, servers };
      if (!['pulling', 'building', 'pending'].includes(event.state)) {
        const { [event.server]: _done, ...rest } = this.progress;
        this.progress = rest;
      }
      if (event.state === 'failed') notify('error', `${event.server} failed`, event.reason, event.code);
    }
    if (event.type === 'server.progress') {
      this.progress = {
        ...this.progress,
        [event.server]: {
          phase: event.phase,
          message: event.message,
          ...(event.current === undefined ? {} : { current: event.current }),
          ...(event.total === undefined ? {} : { total: event.total }),
        },
      };
    }
    if (event.type === 'server.log') {
      const lines = [...(this.logs[event.server] ?? []), { at: event.at, line: event.line }];
      this.logs = { ...this.logs, [event.server]: lines.slice(-2000) };
    }
    if (event.type === 'server.state' || event.type === 'reconcile') this.scheduleRefresh();
  }

  private scheduleRefresh(): void {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => {
      void this.refresh();
    }, 300);
  }
}

export const live = new LiveState();
