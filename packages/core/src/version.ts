import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const pkg = require('../package.json') as { version: string };

/** The project's version, from packages/core/package.json (one version for all packages). */
export const VERSION: string = pkg.version;
