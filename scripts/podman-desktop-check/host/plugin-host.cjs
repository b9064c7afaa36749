// Podman Desktop's real main-process plugin system (its ExtensionLoader, @podman-desktop/api,
// webview registry and HTTP server, status bar, command and configuration registries), built
// from a Podman Desktop checkout, with `electron` replaced by electron-stub.cjs.
//   PD_CHECK_BUNDLE      the built PluginSystem (dist-harness/harness-entry.cjs)
//   PD_CHECK_HOME        Podman Desktop's home for this run (settings, storage, plugins)
//   PD_CHECK_EXTENSIONS  extension folders, ':'-separated, loaded as --extension-folder
//   PD_CHECK_SETTINGS    settings to seed, as JSON
'use strict';
const fs = require('node:fs');
const Module = require('node:module');
const net = require('node:net');
const path = require('node:path');

/**
 * Podman Desktop reaches out at start (its extension catalog, among others): keep the run on
 * loopback and Unix sockets, and say which hosts it tried.
 */
const blockedHosts = new Set();
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
  let options = Array.isArray(args[0]) ? args[0][0] : args[0];
  if (typeof options === 'number')
    options = { port: options, host: typeof args[1] === 'string' ? args[1] : 'localhost' };
  const host = options?.host ?? options?.hostname;
  const local =
    options === undefined ||
    options.path !== undefined ||
    host === undefined ||
    /^(localhost|127\.|::1$|\[::1\]|.*\.localhost$)/.test(String(host));
  if (!local) {
    blockedHosts.add(String(host));
    setImmediate(() => {
      this.destroy(
        Object.assign(new Error(`check: no network beyond loopback (${host})`), { code: 'ECONNREFUSED' }),
      );
    });
    return this;
  }
  return connect.apply(this, args);
};

const STUB = path.join(__dirname, 'electron-stub.cjs');
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function resolveElectron(request, ...rest) {
  if (request === 'electron' || request === 'electron/main') return STUB;
  return resolveFilename.call(this, request, ...rest);
};

const HOME = process.env.PD_CHECK_HOME;
fs.mkdirSync(path.join(HOME, 'configuration'), { recursive: true });
fs.writeFileSync(
  path.join(HOME, 'configuration', 'settings.json'),
  JSON.stringify({
    'telemetry.check': true,
    'telemetry.enabled': false,
    ...JSON.parse(process.env.PD_CHECK_SETTINGS ?? '{}'),
  }),
);
process.env.PODMAN_DESKTOP_HOME_DIR = HOME;
process.resourcesPath = path.join(HOME, 'resources');
for (const folder of (process.env.PD_CHECK_EXTENSIONS ?? '').split(':').filter(Boolean))
  process.argv.push('--extension-folder', folder);

const electron = require('electron');
const { ipcHandlers, sent, renderer } = electron.__check;
const { PluginSystem, Emitter } = require(process.env.PD_CHECK_BUNDLE);

/** Call an IPC handler as Podman Desktop's renderer does; its `{error}` answers throw. */
async function ipc(channel, ...args) {
  const handler = ipcHandlers.get(channel);
  if (handler === undefined) throw new Error(`Podman Desktop has no IPC handler ${channel}`);
  const answer = await handler({ sender: electron.webContents.getAllWebContents()[0] }, ...args);
  if (answer?.error !== undefined)
    throw Object.assign(new Error(answer.error.message ?? String(answer.error)), { ipc: answer.error });
  return answer?.result;
}

/** What the main process sent the renderer on `api-sender` under `name`, oldest first. */
function apiEvents(name) {
  return sent
    .filter((event) => event.channel === 'api-sender' && event.args[0] === name)
    .map((e) => e.args[1]);
}

/** Start the plugin system and load every extension folder; resolves with the loader. */
async function start() {
  // The tray is not modelled; Inversify must not take it for a promise.
  const tray = new Proxy(
    {},
    { get: (_target, property) => (property === 'then' ? undefined : () => undefined) },
  );
  const system = new PluginSystem(tray, Promise.withResolvers());
  const started = Date.now();
  const loader = await system.initExtensions(new Emitter());
  return { loader, ms: Date.now() - started };
}

module.exports = { start, ipc, apiEvents, renderer, ipcHandlers, blockedHosts };
