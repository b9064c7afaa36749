import type { ServerState, ServerStatus } from './contract/index.js';

/** How a state looks: ready is good, on its way is busy, anything down is bad. */
export type StateTone = 'good' | 'busy' | 'bad' | 'idle';

const TONES: Readonly<Record<ServerState, StateTone>> = {
  ready: 'good',
  pending: 'busy',
  pulling: 'busy',
  building: 'busy',
  starting: 'busy',
  // Down right now, whatever comes next: shown as a problem until it is ready again.
  restarting: 'bad',
  unhealthy: 'bad',
  failed: 'bad',
  stopped: 'idle',
};

export function toneOf(state: ServerState): StateTone {
  return TONES[state];
}

const SEVERITY: readonly StateTone[] = ['good', 'idle', 'busy', 'bad'];

export interface StatusSummary {
  readonly ready: number;
  readonly total: number;
  /** The worst tone among the servers (good when there are none). */
  readonly worst: StateTone;
  /** "MCP 3/4 ready" */
  readonly text: string;
  /** One line per server: "everything: ready". */
  readonly lines: readonly string[];
}

/** What the status bar and the dashboard header say about all servers at once. */
export function summarize(
  servers: readonly Pick<ServerStatus, 'name' | 'state' | 'reason'>[],
): StatusSummary {
  const ready = servers.filter((s) => s.state === 'ready').length;
  let worst: StateTone = 'good';
  for (const server of servers) {
    const tone = toneOf(server.state);
    if (SEVERITY.indexOf(tone) > SEVERITY.indexOf(worst)) worst = tone;
  }
  return {
    ready,
    total: servers.length,
    worst,
    text: `MCP ${ready}/${servers.length} ready`,
    lines: servers.map((s) =>
      s.state === 'ready' ? `${s.name}: ready` : `${s.name}: ${s.state} (${s.reason})`,
    ),
  };
}
