// The `electron` module for Podman Desktop's main process under plain Node: IPC handlers are
// recorded so the check can call them as the renderer would, and what the main process sends
// the renderer (message boxes, navigation, webview messages, tasks) is recorded and emitted.
'use strict';
const { EventEmitter } = require('node:events');
const path = require('node:path');

const HOME = process.env.PD_CHECK_HOME;

/** Anything the check does not model: every property and call gives another such object. */
function inert(name) {
  const target = function () {
    return inert(`${name}()`);
  };
  return new Proxy(target, {
    get(_target, property) {
      // Inversify treats a value with a callable `then` as a promise.
      if (property === 'then') return undefined;
      if (property === Symbol.toPrimitive || property === 'toString') return () => name;
      return inert(`${name}.${String(property)}`);
    },
    apply: () => inert(`${name}()`),
    construct: () => inert(`new ${name}`),
  });
}

const ipcHandlers = new Map();
const ipcListeners = new Map();
/** Every message the main process sent the renderer, in order. */
const sent = [];
const renderer = new EventEmitter();
renderer.setMaxListeners(0);

const webContents = {
  id: 1,
  send(channel, ...args) {
    sent.push({ channel, args, at: Date.now() });
    renderer.emit(channel, ...args);
    if (channel === 'api-sender') renderer.emit(`api:${args[0]}`, args[1]);
  },
  on(event, listener) {
    if (event === 'dom-ready') setImmediate(listener);
    return webContents;
  },
  once(event, listener) {
    return webContents.on(event, listener);
  },
  isDestroyed: () => false,
  getURL: () => 'http://localhost/',
};

class BrowserWindow extends EventEmitter {
  constructor() {
    super();
    this.webContents = webContents;
  }
  static getAllWindows() {
    return [window];
  }
  static getFocusedWindow() {
    return window;
  }
  static fromWebContents() {
    return window;
  }
  isDestroyed() {
    return false;
  }
  isMinimized() {
    return false;
  }
  isVisible() {
    return true;
  }
  show() {}
  focus() {}
  restore() {}
  setProgressBar() {}
  loadURL() {
    return Promise.resolve();
  }
  getBounds() {
    return { x: 0, y: 0, width: 1280, height: 960 };
  }
}
const window = new BrowserWindow();

let clipboard = '';
const app = Object.assign(new EventEmitter(), {
  name: 'Podman Desktop',
  isPackaged: false,
  getVersion: () => process.env.PD_CHECK_VERSION ?? '0.0.0',
  getName: () => 'Podman Desktop',
  getPath: (name) => path.join(HOME, 'electron-paths', name),
  getAppPath: () => process.cwd(),
  getLocale: () => 'en-US',
  getLocaleCountryCode: () => 'US',
  getSystemLocale: () => 'en-US',
  whenReady: () => Promise.resolve(),
  isReady: () => true,
  quit() {},
  exit() {},
  relaunch() {},
  focus() {},
  requestSingleInstanceLock: () => true,
  disableHardwareAcceleration() {},
  setAppUserModelId() {},
  getLoginItemSettings: () => ({ openAtLogin: false }),
  setLoginItemSettings() {},
  setAsDefaultProtocolClient: () => true,
  commandLine: { appendSwitch() {}, hasSwitch: () => false, getSwitchValue: () => '' },
  dock: { hide() {}, show() {}, setIcon() {} },
});

const ipcMain = {
  handle(channel, handler) {
    ipcHandlers.set(channel, handler);
  },
  removeHandler(channel) {
    ipcHandlers.delete(channel);
  },
  on(channel, listener) {
    if (!ipcListeners.has(channel)) ipcListeners.set(channel, []);
    ipcListeners.get(channel).push(listener);
  },
  once(channel, listener) {
    ipcMain.on(channel, listener);
  },
  emit(channel, ...args) {
    for (const listener of ipcListeners.get(channel) ?? []) listener(...args);
    return true;
  },
  removeListener() {},
  removeAllListeners() {},
};

module.exports = {
  /** What the check reads: not part of Electron. */
  __check: { ipcHandlers, sent, renderer, clipboard: () => clipboard },
  app,
  BrowserWindow,
  ipcMain,
  clipboard: {
    readText: () => clipboard,
    writeText: (text) => {
      clipboard = String(text);
    },
  },
  // SecretStorage goes through safeStorage; an identity transform keeps it readable here.
  safeStorage: {
    isEncryptionAvailable: () => true,
    encryptString: (text) => Buffer.from(`check:${text}`, 'utf8'),
    decryptString: (buffer) =>
      Buffer.from(buffer)
        .toString('utf8')
        .replace(/^check:/, ''),
    getSelectedStorageBackend: () => 'basic_text',
  },
  shell: {
    openExternal: async (url) => {
      sent.push({ channel: 'shell.openExternal', args: [url], at: Date.now() });
    },
    openPath: async () => '',
    showItemInFolder() {},
  },
  dialog: {
    showOpenDialog: async () => ({ canceled: true, filePaths: [] }),
    showSaveDialog: async () => ({ canceled: true }),
    showMessageBox: async () => ({ response: 0 }),
    showErrorBox() {},
  },
  nativeTheme: Object.assign(new EventEmitter(), { shouldUseDarkColors: false, themeSource: 'system' }),
  nativeImage: {
    createFromDataURL: () => inert('nativeImage'),
    createFromPath: () => inert('nativeImage'),
    createFromBuffer: () => inert('nativeImage'),
    createEmpty: () => inert('nativeImage'),
  },
  Menu: Object.assign(
    function Menu() {
      return inert('Menu');
    },
    {
      buildFromTemplate: () => inert('Menu'),
      setApplicationMenu() {},
      getApplicationMenu: () => null,
    },
  ),
  MenuItem: function MenuItem() {
    return inert('MenuItem');
  },
  Tray: function Tray() {
    return inert('Tray');
  },
  Notification: Object.assign(
    function Notification() {
      return inert('Notification');
    },
    { isSupported: () => false },
  ),
  screen: inert('screen'),
  autoUpdater: Object.assign(new EventEmitter(), { checkForUpdates() {}, setFeedURL() {} }),
  webContents: {
    getAllWebContents: () => [webContents],
    fromId: () => webContents,
    getFocusedWebContents: () => webContents,
  },
  session: inert('session'),
  protocol: inert('protocol'),
  powerMonitor: new EventEmitter(),
  contextBridge: inert('contextBridge'),
  ipcRenderer: inert('ipcRenderer'),
};
