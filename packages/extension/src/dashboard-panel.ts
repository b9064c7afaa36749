import { readFile } from 'node:fs/promises';
import { Uri, window } from '@podman-desktop/api';
import type { Disposable, WebviewPanel } from '@podman-desktop/api';
import { dispatchRpc, requestIdOf } from '@mcpman/shared';
import type { ManagerEvent, McpManagerApi, RpcErrorBody, RpcResponse } from '@mcpman/shared';
import { dashboardCsp, rpcErrorOf } from '@mcpman/manager';

export interface DashboardPanelOptions {
  readonly extensionUri: Uri;
  /** The backend while the manager runs; undefined while it cannot (no Podman, bad settings). */
  readonly api: () => McpManagerApi | undefined;
  /** Why there is no backend, for the UI's error display. */
  readonly unavailable: () => RpcErrorBody;
}

/**
 * The dashboard in a Podman Desktop webview: the same UI bundle as the browser dashboard, with
 * its asset URLs rewritten for the webview, and the typed RPC carried over postMessage.
 */
export class DashboardPanel implements Disposable {
  private panel: WebviewPanel | undefined;
  private readonly subscriptions: Disposable[] = [];

  constructor(private readonly options: DashboardPanelOptions) {}

  get isOpen(): boolean {
    return this.panel !== undefined;
  }

  /** Show the dashboard, making its panel again if the user closed it. */
  async open(): Promise<void> {
    if (this.panel === undefined) await this.create();
    this.panel?.reveal();
  }

  /**
   * Make the panel without revealing it: Podman Desktop lists a webview in its navigation as
   * soon as it exists, so the dashboard is reachable from the first moment, not after a command.
   */
  async create(): Promise<void> {
    if (this.panel !== undefined) return;
    const media = Uri.joinPath(this.options.extensionUri, 'media');
    const panel = window.createWebviewPanel('mcpman.dashboard', 'MCP Servers', {
      localResourceRoots: [media],
    });
    this.panel = panel;
    panel.webview.html = await this.html(panel, media);
    this.subscriptions.push(
      panel.webview.onDidReceiveMessage((message: unknown) => {
        void this.answer(panel, message);
      }),
      panel.onDidDispose(() => {
        this.closed();
      }),
    );
  }

  /** Push a manager event to the page (live status, logs, progress). */
  publish(event: ManagerEvent): void {
    void this.panel?.webview.postMessage({ kind: 'rpc-event', event });
  }

  private async answer(panel: WebviewPanel, message: unknown): Promise<void> {
    const api = this.options.api();
    let response: RpcResponse;
    if (api === undefined) {
      response = {
        kind: 'rpc-response',
        id: requestIdOf(message),
        ok: false,
        error: this.options.unavailable(),
      };
    } else {
      response = await dispatchRpc(message, api, rpcErrorOf);
    }
    await panel.webview.postMessage(response);
  }

  /**
   * index.html with every `./…` reference turned into a webview resource URI, and the same
   * Content-Security-Policy the browser dashboard gets (scripts and styles only from the
   * extension's own files, images also from https for catalog icons), so content from a registry
   * or a server can never run script in Podman Desktop.
   */
  private async html(panel: WebviewPanel, media: Uri): Promise<string> {
    const page = await readFile(Uri.joinPath(media, 'index.html').fsPath, 'utf8');
    const self = `'self' ${panel.webview.cspSource}`;
    const csp = `<meta http-equiv="Content-Security-Policy" content="${dashboardCsp(self)}" />`;
    return page
      .replace(/(src|href)="\.\/([^"]+)"/g, (_match, attribute: string, path: string) => {
        const uri = panel.webview.asWebviewUri(Uri.joinPath(media, ...path.split('/')));
        return `${attribute}="${uri.toString()}"`;
      })
      .replace(/^(\s*<!doctype html>\s*(?:<html[^>]*>\s*)?(?:<head>)?)?/i, (start) => `${start}\n    ${csp}`);
  }

  private closed(): void {
    this.panel = undefined;
    for (const subscription of this.subscriptions.splice(0)) subscription.dispose();
  }

  dispose(): void {
    this.panel?.dispose();
    this.closed();
  }
}
