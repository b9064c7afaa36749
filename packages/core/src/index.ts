export * from './errors/index.js';
export * from './config/index.js';
export * from './util/index.js';
export { VERSION } from './version.js';
