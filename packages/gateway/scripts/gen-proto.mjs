// Generates the gRPC types from proto/ with proto-loader-gen-types, then types the one helper
// it writes with `any` (a constructor constraint): `never` parameters and an `unknown` result
// accept every constructor just the same, and keep `any` out of the sources.
// Usage: node scripts/gen-proto.mjs [outDir]   (default: src/transports/grpc/generated)
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = process.argv[2] ?? join(pkg, 'src/transports/grpc/generated');
await promisify(execFile)(
  join(pkg, 'node_modules/.bin/proto-loader-gen-types'),
  [
    'mcpman/mcp/v1/mcp.proto',
    '--includeDirs=proto',
    `--outDir=${outDir}`,
    '--grpcLib=@grpc/grpc-js',
    '--importFileExtension=.js',
    '--longs=String',
    '--enums=String',
    '--defaults',
    '--oneofs',
    '--includeComments',
  ],
  { cwd: pkg },
);
const root = join(outDir, 'mcp.ts');
const text = await readFile(root, 'utf8');
const typed = text.replace(
  'type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {',
  'type SubtypeConstructor<Constructor extends new (...args: never) => unknown, Subtype> = {',
);
if (typed === text) throw new Error(`gen-proto: the SubtypeConstructor helper in ${root} changed shape`);
await writeFile(root, typed);
