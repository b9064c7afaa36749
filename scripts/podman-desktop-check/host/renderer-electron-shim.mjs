// The renderer side of `electron` that Podman Desktop's webview preload uses, for Chromium
// without Electron: exposed APIs become window properties, invoke goes to a binding the check
// answers with Podman Desktop's own IPC handlers, and __pdEmit delivers what main sends.
const listeners = new Map();

window.__pdEmit = (channel, ...args) => {
  for (const listener of listeners.get(channel) ?? []) listener({}, ...args);
};

export const contextBridge = {
  exposeInMainWorld: (key, value) => {
    window[key] = value;
  },
};

export const ipcRenderer = {
  invoke: (channel, ...args) => window.__pdIpc(channel, args),
  on: (channel, listener) => {
    if (!listeners.has(channel)) listeners.set(channel, []);
    listeners.get(channel).push(listener);
  },
};
