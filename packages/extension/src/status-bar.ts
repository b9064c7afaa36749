import { StatusBarAlignLeft, window } from '@podman-desktop/api';
import type { Disposable, StatusBarItem } from '@podman-desktop/api';
import { summarize } from '@mcpman/shared';
import type { ServerStatus, StateTone } from '@mcpman/shared';

export const OPEN_DASHBOARD = 'mcpman.openDashboard';

const ICONS: Readonly<Record<StateTone, string>> = {
  good: 'fa fa-circle-check',
  busy: 'fa fa-spinner fa-spin',
  bad: 'fa fa-circle-exclamation',
  idle: 'fa fa-circle-pause',
};

/** "MCP 3/4 ready" in Podman Desktop's status bar; the icon shows the worst state; click opens the dashboard. */
export class McpStatusBar implements Disposable {
  readonly item: StatusBarItem;

  constructor() {
    this.item = window.createStatusBarItem(StatusBarAlignLeft, 100);
    this.item.command = OPEN_DASHBOARD;
    this.showMessage('MCP: starting', 'MCP Server Manager is starting');
    this.item.show();
  }

  showServers(servers: readonly ServerStatus[]): void {
    const summary = summarize(servers);
    this.item.text = summary.text;
    this.item.iconClass = ICONS[summary.worst];
    this.item.tooltip =
      servers.length === 0
        ? 'No MCP servers configured: click to add one'
        : ['MCP servers', ...summary.lines].join('\n');
  }

  /** Not running (no Podman, bad settings): say why; a click still opens the dashboard. */
  showMessage(text: string, tooltip: string, tone: StateTone = 'idle'): void {
    this.item.text = text;
    this.item.iconClass = ICONS[tone];
    this.item.tooltip = tooltip;
  }

  dispose(): void {
    this.item.dispose();
  }
}
