import { StatusBarAlignLeft, window } from '@podman-desktop/api';
import type { Disposable, StatusBarItem } from '@podman-desktop/api';
import { summarize } from '@mcpman/shared';
import type { ServerStatus, StateTone } from '@mcpman/shared';

/** Shown when settings and the config file disagree, unless a server is in worse trouble. */
const NOTICE_ICON = 'fa fa-triangle-exclamation';

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
  /**
   * Podman Desktop puts a disposed item back when a property is set afterwards
   * (`statusbar/statusbar-item.ts`): nothing is set once it is gone.
   */
  private disposed = false;

  constructor() {
    this.item = window.createStatusBarItem(StatusBarAlignLeft, 100);
    this.item.command = OPEN_DASHBOARD;
    this.showMessage('MCP: starting', 'MCP Server Manager is starting');
    this.item.show();
  }

  /**
   * `notices` are disagreements the user should see (a setting that asked for less protection
   * than the config file): they mark the item with a warning and lead its tooltip.
   */
  showServers(servers: readonly ServerStatus[], notices: readonly string[] = []): void {
    if (this.disposed) return;
    const summary = summarize(servers);
    this.item.text = notices.length === 0 ? summary.text : `${summary.text} (!)`;
    this.item.iconClass = notices.length > 0 && summary.worst !== 'bad' ? NOTICE_ICON : ICONS[summary.worst];
    const lines =
      servers.length === 0
        ? ['No MCP servers configured: click to add one']
        : ['MCP servers', ...summary.lines];
    this.item.tooltip = [...notices.map((notice) => `⚠ ${notice}`), ...lines].join('\n');
  }

  /** Not running (no Podman, bad settings): say why; a click still opens the dashboard. */
  showMessage(text: string, tooltip: string, tone: StateTone = 'idle'): void {
    if (this.disposed) return;
    this.item.text = text;
    this.item.iconClass = ICONS[tone];
    this.item.tooltip = tooltip;
  }

  dispose(): void {
    this.disposed = true;
    this.item.dispose();
  }
}
