// Podman Desktop's own main-process Vite config (electron and the native-ish packages stay
// external), built from harness-entry.ts into dist-harness/. `@podman-desktop/core-api` is read
// from its sources through its exports map, as its own build needs a full checkout.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import config from './vite.config.js';

const api = join(import.meta.dirname, '../api');
const exportsMap = JSON.parse(readFileSync(join(api, 'package.json'), 'utf8')).exports;
const coreApi = Object.entries(exportsMap).map(([sub, target]) => ({
  find: sub === '.' ? /^@podman-desktop\/core-api$/ : `@podman-desktop/core-api/${sub.slice(2)}`,
  replacement: join(api, target.default.replace('./dist/', 'src/').replace(/\.js$/, '.ts')),
}));

export default {
  ...config,
  resolve: {
    ...config.resolve,
    alias: [
      ...coreApi,
      ...Object.entries(config.resolve.alias).map(([find, replacement]) => ({ find, replacement })),
    ],
  },
  build: {
    ...config.build,
    sourcemap: false,
    outDir: 'dist-harness',
    lib: { ...config.build.lib, entry: ['src/harness-entry.ts'] },
  },
};
