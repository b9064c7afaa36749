/**
 * A stand-in for `@podman-desktop/api`, which exists only inside Podman Desktop. Each part is
 * typed against the published 1.29.1 typings (`satisfies`/`implements`), so a call the
 * extension makes that the real API does not have, or makes with other types, fails to
 * compile; and each part behaves as Podman Desktop's main process does (the source file and
 * function it mirrors are named where it matters, under `packages/main/src/plugin/` of
 * containers/podman-desktop; `podman-desktop-api.mock.spec.ts` checks each behaviour). `host`
 * lets a test play Podman Desktop: connections coming and going, settings, the user answering
 * message boxes, and what the extension showed.
 */
import { posix } from 'node:path';
import { randomUUID } from 'node:crypto';
import type * as api from '@podman-desktop/api';
import manifest from '../../package.json' with { type: 'json' };

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

/** `types/uri.ts` (Uri): joinPath normalises with path.join, parse keeps escapes and the fragment. */
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

  /** No percent-decoding: Podman Desktop's parse keeps the path as written. */
  static parse(value: string): Uri {
    const match = /^([a-zA-Z][\w+.-]*):(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/.exec(value);
    if (match === null) throw new Error(`not a URI: ${value}`);
    return new Uri(match[1] ?? '', match[2] ?? '', match[3] ?? '', match[4] ?? '', match[5] ?? '');
  }

  /** `path.join`, so `..` segments are folded. */
  static joinPath(base: Uri, ...pathSegments: string[]): Uri {
    return new Uri(base.scheme, base.authority, posix.join(base.path, ...pathSegments));
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
    return `${this.scheme}://${this.authority}${this.path}${this.query === '' ? '' : `?${this.query}`}${this.fragment === '' ? '' : `#${this.fragment}`}`;
  }
}

/** Mirrors the API's enum values (a const object: the API declares an enum, which a mock cannot re-declare). */
export const ProgressLocation = { APP_ICON: 1, TASK_WIDGET: 2 } as const satisfies Record<
  keyof typeof api.ProgressLocation,
  number
>;

/**
 * A task in Podman Desktop's task widget. `tasks/progress-impl.ts` (ProgressImpl.withWidget)
 * sets the task's name to each reported message, so `name` is what the widget shows now: the
 * title only until the first report.
 */
export interface MockTask {
  readonly title: string | undefined;
  name: string | undefined;
  readonly location: number;
  readonly reports: { message?: string; increment?: number }[];
  state: 'running' | 'done' | 'failed';
}

export const StatusBarAlignLeft: typeof api.StatusBarAlignLeft = 'LEFT';
export const StatusBarAlignRight: typeof api.StatusBarAlignRight = 'RIGHT';
export const StatusBarItemDefaultPriority: typeof api.StatusBarItemDefaultPriority = 0;

/**
 * `statusbar/statusbar-item.ts` (StatusBarItemImpl): dispose() hides the entry but keeps it
 * "visible", so setting any property afterwards puts the entry back in the status bar.
 */
export class MockStatusBarItem implements api.StatusBarItem {
  private fields: {
    text?: string;
    tooltip?: string;
    iconClass?: string | { active: string; inactive: string };
    enabled: boolean;
    command?: string;
    commandArgs?: unknown[];
  } = { enabled: true };
  shown = false;
  disposed = false;
  /** Shown after it was disposed: what Podman Desktop does when a disposed item is changed. */
  resurrected = false;
  private visible = false;

  constructor(
    readonly alignment: api.StatusBarAlignment,
    readonly priority: number,
  ) {}

  private set<K extends keyof MockStatusBarItem['fields']>(
    key: K,
    value: MockStatusBarItem['fields'][K],
  ): void {
    this.fields[key] = value;
    if (this.visible && !this.shown) {
      this.shown = true;
      if (this.disposed) this.resurrected = true;
    }
  }

  get text(): string | undefined {
    return this.fields.text;
  }
  set text(value: string | undefined) {
    this.set('text', value);
  }
  get tooltip(): string | undefined {
    return this.fields.tooltip;
  }
  set tooltip(value: string | undefined) {
    this.set('tooltip', value);
  }
  get iconClass(): string | { active: string; inactive: string } | undefined {
    return this.fields.iconClass;
  }
  set iconClass(value: string | { active: string; inactive: string } | undefined) {
    this.set('iconClass', value);
  }
  get enabled(): boolean {
    return this.fields.enabled;
  }
  set enabled(value: boolean) {
    this.set('enabled', value);
  }
  get command(): string | undefined {
    return this.fields.command;
  }
  set command(value: string | undefined) {
    this.set('command', value);
  }
  get commandArgs(): unknown[] | undefined {
    return this.fields.commandArgs;
  }
  set commandArgs(value: unknown[] | undefined) {
    this.set('commandArgs', value);
  }

  show(): void {
    this.visible = true;
    this.shown = true;
  }

  hide(): void {
    this.visible = false;
    this.shown = false;
  }

  dispose(): void {
    // Like the host's: the entry goes, `isVisible` stays.
    this.disposed = true;
    this.shown = false;
  }

  /**
   * A click, as `plugin/index.ts` handles `status-bar:executeStatusBarEntryCommand`:
   * `commandArgs` arrive as one array argument, not spread.
   */
  click(): Promise<unknown> {
    if (this.command === undefined) return Promise.resolve(undefined);
    return commands.executeCommand(this.command, this.commandArgs);
  }
}

/**
 * `webview/webview-impl.ts` (WebviewImpl): resources are served by `webview-registry.ts`'s
 * HTTP server at `http://<uuid>.webview.localhost:<port>/<path under the extension root>`,
 * whatever `localResourceRoots` says; postMessage answers false once disposed, and the renderer
 * forwards messages only to a webview on screen (others are lost).
 */
export class MockWebview implements api.Webview {
  private readonly uuid = randomUUID();
  readonly cspSource: string;
  options: api.WebviewOptions = {};
  html = '';
  /** Messages the page received (it was on screen). */
  readonly posted: unknown[] = [];
  /** Messages posted while the page was not on screen: lost, as in the host. */
  readonly dropped: unknown[] = [];
  readonly received = new EventEmitter<unknown>();
  readonly onDidReceiveMessage: api.Event<unknown> = this.received.event;

  constructor(private readonly panel: MockWebviewPanel) {
    this.cspSource = `http://${this.uuid}.webview.localhost:${host.webviewPort}`;
  }

  postMessage(message: unknown): Promise<boolean> {
    if (this.panel.isDisposed) return Promise.resolve(false);
    if (this.panel.visible) this.posted.push(message);
    else this.dropped.push(message);
    return Promise.resolve(true);
  }

  asWebviewUri(localResource: api.Uri): api.Uri {
    const relative = posix.relative(host.extensionRoot, localResource.path);
    return Uri.parse(`${this.cspSource}/${relative}`);
  }
}

/**
 * A webview panel: `visible` and `active` are false until it is revealed (the user navigates to
 * it); the page loads again on every visit; `reveal()` and `title` throw once disposed.
 */
export class MockWebviewPanel implements api.WebviewPanel {
  private currentTitle: string;
  readonly webview: MockWebview;
  active = false;
  visible = false;
  revealed = 0;
  /** Times the page was (re)loaded: on every visit, as the renderer mounts the webview again. */
  loads = 0;
  isDisposed = false;
  private readonly disposed = new EventEmitter<void>();
  private readonly viewState = new EventEmitter<api.WebviewPanelOnDidChangeViewStateEvent>();
  readonly onDidDispose: api.Event<void> = this.disposed.event;
  readonly onDidChangeViewState: api.Event<api.WebviewPanelOnDidChangeViewStateEvent> = this.viewState.event;

  constructor(
    readonly viewType: string,
    title: string,
    options: api.WebviewOptions | undefined,
  ) {
    this.currentTitle = title;
    this.webview = new MockWebview(this);
    this.webview.options = options ?? {};
  }

  get title(): string {
    if (this.isDisposed) throw new Error('Webview is disposed');
    return this.currentTitle;
  }

  set title(value: string) {
    if (this.isDisposed) throw new Error('Webview is disposed');
    this.currentTitle = value;
  }

  reveal(): void {
    if (this.isDisposed) throw new Error('Webview is disposed');
    this.revealed += 1;
    this.show();
  }

  /** The user navigates to the page (by the navigation entry, or after reveal). */
  show(): void {
    this.visible = true;
    this.active = true;
    this.loads += 1;
  }

  /** The user navigates elsewhere: the page is unmounted. */
  hide(): void {
    this.visible = false;
    this.active = false;
  }

  dispose(): void {
    if (this.isDisposed) return;
    this.isDisposed = true;
    this.visible = false;
    this.disposed.fire();
  }
}

/** An open message box: the promise the extension got stays pending until the test answers. */
export interface MockMessage {
  readonly level: 'info' | 'warning' | 'error';
  readonly text: string;
  readonly items: readonly string[];
  answered: boolean;
  /** The user clicks a button (or closes the box: undefined). */
  answer(item?: string): void;
}

/** The defaults of the extension's settings, as its manifest declares them. */
function manifestDefaults(): Map<string, unknown> {
  const properties = manifest.contributes.configuration.properties as Record<string, { default?: unknown }>;
  return new Map(
    Object.entries(properties)
      .filter(([, property]) => property.default !== undefined)
      .map(([key, property]) => [key, property.default]),
  );
}

/** What the test controls and observes. */
export const host = {
  connections: [] as (api.ProviderContainerConnection & { lastStatus?: api.ProviderConnectionStatus })[],
  settings: manifestDefaults(),
  statusBarItems: [] as MockStatusBarItem[],
  panels: [] as MockWebviewPanel[],
  tasks: [] as MockTask[],
  commands: new Map<string, (...args: unknown[]) => unknown>(),
  messages: [] as MockMessage[],
  clipboard: '',
  quickPickAnswer: undefined as string | undefined,
  telemetry: [] as { event: string; data: unknown }[],
  /** Podman Desktop's own telemetry setting (`env.isTelemetryEnabled`). */
  telemetryEnabled: true,
  /** Where the extension is installed: the webview server serves files relative to it. */
  extensionRoot: '/',
  /** The port of the webview HTTP server (`webview-registry.ts`: a free port from 44000). */
  webviewPort: 44000,
  /** `extensions.maxActivationTime` (`packages/api/src/extension-loader-settings.ts`: 20 s). */
  maxActivationMs: 20_000,
  registered: new EventEmitter<api.RegisterContainerConnectionEvent>(),
  unregistered: new EventEmitter<api.UnregisterContainerConnectionEvent>(),
  updated: new EventEmitter<api.UpdateContainerConnectionEvent>(),
  configurationChanged: new EventEmitter<api.ConfigurationChangeEvent>(),
  telemetryChanged: new EventEmitter<boolean>(),
  poller: undefined as ReturnType<typeof setInterval> | undefined,

  reset(): void {
    this.connections = [];
    this.settings = manifestDefaults();
    this.statusBarItems = [];
    this.panels = [];
    this.tasks = [];
    this.commands.clear();
    this.messages = [];
    this.clipboard = '';
    this.quickPickAnswer = undefined;
    this.telemetry = [];
    this.telemetryEnabled = true;
    this.maxActivationMs = 20_000;
  },

  /**
   * A user changed settings in Preferences: `configuration-registry.ts`
   * (updateConfigurationValue) is the path that fires onDidChangeConfiguration.
   */
  changeSettings(values: Readonly<Record<string, unknown>>): void {
    for (const [key, value] of Object.entries(values)) this.settings.set(key, value);
    this.configurationChanged.fire({
      affectsConfiguration: (section: string) => Object.keys(values).some((key) => key.startsWith(section)),
    });
  },

  /** The user turns Podman Desktop's telemetry on or off. */
  setTelemetry(enabled: boolean): void {
    this.telemetryEnabled = enabled;
    this.telemetryChanged.fire(enabled);
  },

  /**
   * One round of `provider-registry.ts`'s status poll (every 2 s in the host): connections whose
   * status changed since the last round fire onDidUpdateContainerConnection.
   */
  pollProviders(): void {
    for (const entry of this.connections) {
      const status = entry.connection.status();
      if (entry.lastStatus === undefined) entry.lastStatus = status;
      if (status === entry.lastStatus) continue;
      entry.lastStatus = status;
      this.updated.fire({ providerId: entry.providerId, connection: entry.connection, status });
    }
  },

  /** Poll as the host does, every 2 s, until stopPolling(). */
  startPolling(): void {
    this.stopPolling();
    this.poller = setInterval(() => {
      this.pollProviders();
    }, 2000);
    this.poller.unref();
  },

  stopPolling(): void {
    clearInterval(this.poller);
    this.poller = undefined;
  },

  /** Close every open message box, as a user clicking them away would. */
  answerAll(): void {
    for (const message of this.messages) if (!message.answered) message.answer();
  },
};

/** A Podman connection as the Podman extension registers it; `status` can be changed later. */
export function podmanConnection(
  socketPath: string,
  status: api.ProviderConnectionStatus = 'started',
): api.ProviderContainerConnection & {
  lastStatus?: api.ProviderConnectionStatus;
  setStatus(status: api.ProviderConnectionStatus): void;
} {
  let current = status;
  return {
    lastStatus: status,
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

function openMessage(
  level: MockMessage['level'],
  text: string,
  items: readonly string[],
): Promise<string | undefined> {
  return new Promise((resolve) => {
    const message: MockMessage = {
      level,
      text,
      items,
      answered: false,
      answer(item) {
        if (message.answered) return;
        message.answered = true;
        resolve(item);
      },
    };
    host.messages.push(message);
  });
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
      name: options.title,
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
      const report = (value: { message?: string; increment?: number }): void => {
        record.reports.push(value);
        if (value.message !== undefined) record.name = value.message;
      };
      const result = await task({ report }, token);
      record.state = 'done';
      return result;
    } catch (error) {
      record.state = 'failed';
      throw error;
    }
  },
  // `message-box.ts` (MessageBox.showDialog): a modal whose promise resolves only when the user
  // clicks, however long that takes.
  showInformationMessage(message: string, ...items: string[]): Promise<string | undefined> {
    return openMessage('info', message, items);
  },
  showWarningMessage(message: string, ...items: string[]): Promise<string | undefined> {
    return openMessage('warning', message, items);
  },
  showErrorMessage(message: string, ...items: string[]): Promise<string | undefined> {
    return openMessage('error', message, items);
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
    // `command-registry.ts` (CommandRegistry.executeCommand).
    if (callback === undefined) return Promise.reject(new Error(`Unknown command: ${command}`));
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
      // `configuration-impl.ts` (ConfigurationImpl.update): stored, but no change event; only
      // the Preferences path (host.changeSettings) fires one.
      update: (name: string, value: unknown) => {
        host.settings.set(key(name), value);
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
  /**
   * `telemetry/telemetry.ts` (TelemetryLoggerImpl): `isUsageEnabled` is always true and
   * onDidChangeEnableStates never fires; what the user chose is `env.isTelemetryEnabled`. The
   * logger itself drops events while telemetry is off.
   */
  createTelemetryLogger(): api.TelemetryLogger {
    const logger: api.TelemetryLogger = {
      onDidChangeEnableStates: new EventEmitter<api.TelemetryLogger>().event,
      isUsageEnabled: true,
      isErrorsEnabled: true,
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
  get isTelemetryEnabled(): boolean {
    return host.telemetryEnabled;
  },
  onDidChangeTelemetryEnabled: host.telemetryChanged.event,
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
  host.extensionRoot = extensionPath;
  return {
    subscriptions: [],
    storagePath,
    extensionUri: Uri.file(extensionPath),
    secrets: new MockSecretStorage(),
  };
}

/**
 * Activate as `extension/extension-loader.ts` (activateExtension) does: `activate()` gets
 * `host.maxActivationMs`; past it the extension is marked failed and every subscription it made
 * (status bar item, webview, commands) is disposed.
 */
export async function activateExtension(
  activate: (context: MockExtensionContext) => Promise<void>,
  context: MockExtensionContext,
): Promise<'started' | 'failed'> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => {
      resolve('timeout');
    }, host.maxActivationMs);
  });
  try {
    const outcome = await Promise.race([activate(context).then(() => 'ok' as const), limit]);
    if (outcome === 'ok') return 'started';
  } catch {
    // A failed activate() fails the extension the same way.
  } finally {
    clearTimeout(timer);
  }
  for (const subscription of context.subscriptions) subscription.dispose();
  return 'failed';
}

/**
 * A `when` clause as the container list evaluates a contributed menu item for one row:
 * `renderer/src/lib/actions/ContributionActions.svelte` checks it against a copy of the shared
 * context (`ContainerActions.svelte` adds only `containerImageName`) with the row's item under
 * `containerItem:`; `containerLabelKeys` is in the shared context only, written by
 * `container-utils.ts` (adaptContextOnContainer) for whichever row it computed icons for last.
 * Supports what our manifest uses: `KEY in CONTEXT_KEY`, `KEY =~ /re/`, `&&`.
 */
export function evaluateRowWhen(
  when: string,
  shared: Readonly<Record<string, unknown>>,
  row: Readonly<Record<string, unknown>>,
  prefix = 'containerItem',
): boolean {
  const lookup = (key: string): unknown =>
    key.startsWith(`${prefix}:`) ? row[key.slice(prefix.length + 1)] : shared[key];
  return when.split('&&').every((part) => {
    const clause = part.trim();
    const regex = /^(\S+)\s*=~\s*\/(.*)\/([a-z]*)$/.exec(clause);
    if (regex?.[1] !== undefined && regex[2] !== undefined) {
      const value = lookup(regex[1]);
      return new RegExp(regex[2], regex[3]).test(typeof value === 'string' ? value : '');
    }
    const inList = /^(\S+)\s+in\s+(\S+)$/.exec(clause);
    if (inList?.[1] !== undefined && inList[2] !== undefined) {
      const list = lookup(inList[2]);
      return Array.isArray(list) && list.includes(inList[1]);
    }
    throw new Error(`a when clause this mock does not read: ${clause}`);
  });
}
