// What the check needs of Podman Desktop's main process: its plugin system, without the app
// (packages/main/src/index.ts starts Electron windows at module load; plugin/index.ts does not).
export { PluginSystem } from './plugin/index.js';
export { Emitter } from './plugin/events/emitter.js';
