#!/usr/bin/env node
// Committed shim so npm can link the bin before the TypeScript build has produced dist/.
import('../dist/bin/mcpman.js').catch((error) => {
  if (error && error.code === 'ERR_MODULE_NOT_FOUND') {
    process.stderr.write(
      'mcpman: not built yet; run `npm run build` (or `npm start`) in the repository first\n',
    );
    process.exit(1);
  }
  throw error;
});
