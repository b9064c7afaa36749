import { styleText } from 'node:util';
import type { ServerState, ServerStatus } from '@mcpman/shared';

type Style = Parameters<typeof styleText>[0];

const STATE_STYLE: Readonly<Record<ServerState, Style>> = {
  pending: 'gray',
  pulling: 'cyan',
  building: 'cyan',
  starting: 'cyan',
  ready: 'green',
  unhealthy: 'yellow',
  restarting: 'yellow',
  stopped: 'gray',
  failed: 'red',
};

export function paint(style: Style, text: string, color: boolean): string {
  return color ? styleText(style, text) : text;
}

export function paintState(state: ServerState, color: boolean): string {
  return paint(STATE_STYLE[state], state.padEnd(10), color);
}

/** Plain left-aligned columns. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows)
    row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, visibleLength(cell))));
  return rows
    .map((row) =>
      row
        .map((cell, i) =>
          i === row.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - visibleLength(cell)),
        )
        .join('  '),
    )
    .join('\n');
}

function visibleLength(text: string): number {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, '').length;
}

export function age(since: number, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - since) / 1000));
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${seconds % 60}s`;
  return `${Math.floor(seconds / 3600)}h${Math.floor((seconds % 3600) / 60)}m`;
}

export function serverRows(servers: readonly ServerStatus[], color: boolean): string[][] {
  return servers.map((server) => [
    server.name,
    paintState(server.state, color).trimEnd(),
    server.transport,
    String(server.restarts),
    age(server.since),
    server.reason,
  ]);
}
