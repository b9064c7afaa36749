/**
 * A stand-in for `@podman-desktop/api`, which exists only inside Podman Desktop. Each part is
 * typed against the published 1.29.1 typings (`satisfies`/`implements`), so a call the
 * extension makes that the real API does not have, or makes with other types, fails to
 * compile. `host` lets a test play Podman Desktop: connections coming and going, settings,
 * the user's picks, and what the extension showed.
 */
import type * as api from '@podman-desktop/api';

/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
 * This module is the host's classes (Uri, Disposable): their instances come from here. */

export class Disposable implements api.Disposable {
  private done = false;
  constructor(private readonly callOnDispose: () => void) {}

  dispose(): void {
    if (this.done) return;
    this.done = true;
    this.callOnDispose();
  }

  static create(func: () => void): Disposable {
    return new Disposable(func);
  }

  static from(...disposables: { dispose: () => unknown }[]): Disposable {
    return new Disposable(() => {
      for (const d of disposables) d.dispose();
    });
  }
}

export class EventEmitter<T> implements api.EventEmitter<T> {
  private readonly listeners = new Set<(e: T) => unknown>();

  event: api.Event<T> = (listener: (e: T) => unknown): Disposable => {
    this.listeners.add(listener);
    return new Disposable(() => this.listeners.delete(listener));
  };

  fire(data: T): void {
    for (const listener of [...this.listeners]) listener(data);
  }

  dispose(): void {
    this.listeners.clear();
  }
}

export class Uri implements api.Uri {
  private constructor(
    readonly scheme: string,
    readonly authority: string,
    readonly path: string,
    readonly query = '',
    readonly fragment = '',
  ) {}

  get fsPath(): string {
    return this.path;
  }

  static file(path: string): Uri {
    return new Uri('file', '', path);
  }

  static parse(value: string): Uri {
    const url = new URL(value);
    return new Uri(
      url.protocol.replace(/:$/, ''),
      url.host,
      decodeURIComponent(url.pathname),
      url.search.slice(1),
      url.hash.slice(1),
    );
  }

  static joinPath(base: Uri, ...pathSegments: string[]): Uri {
    return new Uri(base.scheme, base.authority, [base.path, ...pathSegments].join('/').replace(/\/+/g, '/'));
  }

  with(change: {
    scheme?: string;
    authority?: string;
    path?: string;
    query?: string;
    fragment?: string;
  }): Uri {
    return new Uri(
      change.scheme ?? this.scheme,
      change.authority ?? this.authority,
      change.path ?? this.path,
      change.query ?? this.query,
      change.fragment ?? this.fragment,
    );
  }

  toString(): string {
    return `${this.scheme}://${this.authority}${this.path}${this.query === '' ? '' : `?${this.query}`}`;
  }
}

/** Mirrors the API's enum values (a const object: the API declares an enum, which a mock cannot re-declare). */
export const ProgressLocation = { APP_ICON: 1, TASK_WIDGET: 2 } as const satisfies Record<
  keyof typeof api.ProgressLocation,
  number
>;

/** A task shown in Podman Desktop's task widget: its title, every report, and how it ended. */
export interface MockTask {
  readonly title: string | undefined;
  readonly location: number;
  readonly reports: { message?: string; increment?: number }[];
  state: 'running' | 'done' | 'failed';
}

export const StatusBarAlignLeft: typeof api.StatusBarAlignLeft = 'LEFT';
export const StatusBarAlignRight: typeof api.StatusBarAlignRight = 'RIGHT';
export const StatusBarItemDefaultPriority: typeof api.StatusBarItemDefaultPriority = 0;

export class MockStatusBarItem implements api.StatusBarItem {
  text?: string;
  tooltip?: string;
  iconClass?: string | { active: string; inactive: string };
  enabled = true;
  command?: string;
  commandArgs?: unknown[];
  shown = false;
  disposed = false;

  constructor(
    readonly alignment: api.StatusBarAlignment,
    readonly priority: number,
  ) {}

  show(): void {
    this.shown = true;
  }

  hide(): void {
    this.shown = false;
  }

  dispose(): void {
    this.disposed = true;
  }
}

export class MockWebview implements api.Webview {
  readonly cspSource = 'webview://extension';
  options: api.WebviewOptions = {};
  html = '';
  readonly posted: unknown[] = [];
  readonly received = new EventEmitter<unknown>();
  readonly onDidReceiveMessage: api.Event<unknown> = this.received.event;

  postMessage(message: unknown): Promise<boolean> {
    this.posted.push(message);
    return Promise.resolve(true);
  }

  asWebviewUri(localResource: api.Uri): api.Uri {
    return Uri.parse(`webview://extension${localResource.path}`);
  }
}

export class MockWebviewPanel implements api.WebviewPanel {
  title: string;
  readonly webview: MockWebview;
  active = true;
  visible = true;
  revealed = 0;
  private readonly disposed = new EventEmitter<void>();
  private readonly viewState = new EventEmitter<api.WebviewPanelOnDidChangeViewStateEvent>();
  readonly onDidDispose: api.Event<void> = this.disposed.event;
  readonly onDidChangeViewState: api.Event<api.WebviewPanelOnDidChangeViewStateEvent> = this.viewState.event;

  constructor(
    readonly viewType: string,
    title: string,
    options: api.WebviewOptions | undefined,
  ) {
    this.title = title;
    this.webview = new MockWebview();
    this.webview.options = options ?? {};
  }

  reveal(): void {
    this.revealed += 1;
  }

  dispose(): void {
    this.visible = false;
    this.disposed.fire();
  }
}

/** What the test controls and observes. */
export const host = {
  connections: [] as api.ProviderContainerConnection[],
  settings: new Map<string, unknown>(),
  statusBarItems: [] as MockStatusBarItem[],
  panels: [] as MockWebviewPanel[],
  tasks: [] as MockTask[],
  commands: new Map<string, (...args: unknown[]) => unknown>(),
  messages: [] as { level: 'info' | 'warning' | 'error'; text: string }[],
  clipboard: '',
  quickPickAnswer: undefined as string | undefined,
  telemetry: [] as { event: string; data: unknown }[],
  telemetryEnabled: true,
  registered: new EventEmitter<api.RegisterContainerConnectionEvent>(),
  unregistered: new EventEmitter<api.UnregisterContainerConnectionEvent>(),
  updated: new EventEmitter<api.UpdateContainerConnectionEvent>(),
  configurationChanged: new EventEmitter<api.ConfigurationChangeEvent>(),
  telemetryChanged: new EventEmitter<api.TelemetryLogger>(),

  reset(): void {
    this.connections = [];
    this.settings.clear();
    this.statusBarItems = [];
    this.panels = [];
    this.tasks = [];
    this.commands.clear();
    this.messages = [];
    this.clipboard = '';
    this.quickPickAnswer = undefined;
    this.telemetry = [];
    this.telemetryEnabled = true;
  },

  /** A user changed settings in Preferences. */
  changeSettings(values: Readonly<Record<string, unknown>>): void {
    for (const [key, value] of Object.entries(values)) this.settings.set(key, value);
    this.configurationChanged.fire({
      affectsConfiguration: (section: string) => Object.keys(values).some((key) => key.startsWith(section)),
    });
  },
};

/** A Podman connection as the Podman extension registers it; `status` can be changed later. */
export function podmanConnection(
  socketPath: string,
  status: api.ProviderConnectionStatus = 'started',
): api.ProviderContainerConnection & { setStatus(status: api.ProviderConnectionStatus): void } {
  let current = status;
  return {
    providerId: 'podman',
    connection: {
      name: 'podman-machine-default',
      displayName: 'Podman Machine',
      type: 'podman',
      endpoint: { socketPath },
      status: () => current,
    },
    setStatus(next: api.ProviderConnectionStatus) {
      current = next;
    },
  };
}

export const window = {
  createStatusBarItem(
    alignment: api.StatusBarAlignment = StatusBarAlignLeft,
    priority = 0,
  ): api.StatusBarItem {
    const item = new MockStatusBarItem(alignment, priority);
    host.statusBarItems.push(item);
    return item;
  },
  createWebviewPanel(viewType: string, title: string, options?: api.WebviewOptions): api.WebviewPanel {
    const panel = new MockWebviewPanel(viewType, title, options);
    host.panels.push(panel);
    return panel;
  },
  async withProgress<R>(
    options: api.ProgressOptions,
    task: (
      progress: api.Progress<{ message?: string; increment?: number }>,
      token: api.CancellationToken,
    ) => Promise<R>,
  ): Promise<R> {
    const record: MockTask = {
      title: options.title,
      location: options.location,
      reports: [],
      state: 'running',
    };
    host.tasks.push(record);
    const token: api.CancellationToken = {
      isCancellationRequested: false,
      onCancellationRequested: new EventEmitter<unknown>().event,
    };
    try {
      const result = await task({ report: (value) => record.reports.push(value) }, token);
      record.state = 'done';
      return result;
    } catch (error) {
      record.state = 'failed';
      throw error;
    }
  },
  showInformationMessage(message: string): Promise<string | undefined> {
    host.messages.push({ level: 'info', text: message });
    return Promise.resolve(undefined);
  },
  showWarningMessage(message: string): Promise<string | undefined> {
    host.messages.push({ level: 'warning', text: message });
    return Promise.resolve(undefined);
  },
  showErrorMessage(message: string): Promise<string | undefined> {
    host.messages.push({ level: 'error', text: message });
    return Promise.resolve(undefined);
  },
  // One implementation for the string-list overloads the extension uses (a cast: TypeScript
  // cannot check one function against an overload set).
  showQuickPick: ((items: readonly string[] | Promise<readonly string[]>): Promise<string | undefined> =>
    Promise.resolve(items).then((list) =>
      host.quickPickAnswer !== undefined && list.includes(host.quickPickAnswer)
        ? host.quickPickAnswer
        : undefined,
    )) as typeof api.window.showQuickPick,
} satisfies Partial<typeof api.window>;

export const commands = {
  registerCommand(command: string, callback: (...args: unknown[]) => unknown): Disposable {
    if (host.commands.has(command)) throw new Error(`command ${command} already exists`);
    host.commands.set(command, callback);
    return new Disposable(() => host.commands.delete(command));
  },
  executeCommand<T = unknown>(command: string, ...rest: unknown[]): Promise<T> {
    const callback = host.commands.get(command);
    if (callback === undefined) return Promise.reject(new Error(`command '${command}' not found`));
    return Promise.resolve(callback(...rest) as T);
  },
} satisfies Partial<typeof api.commands>;

export const configuration = {
  getConfiguration(section?: string): api.Configuration {
    const key = (name: string): string => (section === undefined ? name : `${section}.${name}`);
    return {
      get<T>(name: string, defaultValue?: T): T | undefined {
        return host.settings.has(key(name)) ? (host.settings.get(key(name)) as T | undefined) : defaultValue;
      },
      has: (name: string) => host.settings.has(key(name)),
      update: (name: string, value: unknown) => {
        host.changeSettings({ [key(name)]: value });
        return Promise.resolve();
      },
    };
  },
  onDidChangeConfiguration: host.configurationChanged.event,
} satisfies Partial<typeof api.configuration>;

export const provider = {
  getContainerConnections: (): api.ProviderContainerConnection[] => [...host.connections],
  onDidRegisterContainerConnection: host.registered.event,
  onDidUnregisterContainerConnection: host.unregistered.event,
  onDidUpdateContainerConnection: host.updated.event,
} satisfies Partial<typeof api.provider>;

export const env = {
  createTelemetryLogger(): api.TelemetryLogger {
    const logger: api.TelemetryLogger = {
      onDidChangeEnableStates: host.telemetryChanged.event,
      get isUsageEnabled() {
        return host.telemetryEnabled;
      },
      get isErrorsEnabled() {
        return host.telemetryEnabled;
      },
      logUsage(event: string, data?: Record<string, unknown>) {
        if (host.telemetryEnabled) host.telemetry.push({ event, data });
      },
      logError(event: string | Error, data?: Record<string, unknown>) {
        if (host.telemetryEnabled) host.telemetry.push({ event: String(event), data });
      },
      dispose() {
        return undefined;
      },
    };
    return logger;
  },
  clipboard: {
    readText: () => Promise.resolve(host.clipboard),
    writeText: (value: string) => {
      host.clipboard = value;
      return Promise.resolve();
    },
  },
} satisfies Partial<typeof api.env>;

/** Podman Desktop's encrypted SecretStorage, as the extension context hands it out. */
export class MockSecretStorage implements api.SecretStorage {
  readonly values = new Map<string, string>();
  private readonly changed = new EventEmitter<api.SecretStorageChangeEvent>();
  readonly onDidChange: api.Event<api.SecretStorageChangeEvent> = this.changed.event;

  get(key: string): Promise<string | undefined> {
    return Promise.resolve(this.values.get(key));
  }

  store(key: string, value: string): Promise<void> {
    this.values.set(key, value);
    this.changed.fire({ key });
    return Promise.resolve();
  }

  delete(key: string): Promise<void> {
    this.values.delete(key);
    this.changed.fire({ key });
    return Promise.resolve();
  }
}

export interface MockExtensionContext extends api.ExtensionContext {
  readonly subscriptions: { dispose(): unknown }[];
  readonly secrets: MockSecretStorage;
}

export function extensionContext(storagePath: string, extensionPath: string): MockExtensionContext {
  return {
    subscriptions: [],
    storagePath,
    extensionUri: Uri.file(extensionPath),
    secrets: new MockSecretStorage(),
  };
}
