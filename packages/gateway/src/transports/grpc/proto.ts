import { fileURLToPath } from 'node:url';
import { loadPackageDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import type { ProtoGrpcType } from './generated/mcp.js';

/** The `.proto` directory, shipped with the package (the same from `src/` and `dist/`). */
export const PROTO_DIR = fileURLToPath(new URL('../../../proto/', import.meta.url));
export const PROTO_FILE = 'mcpman/mcp/v1/mcp.proto';

/** The same options as the type generator (`npm run proto -w @mcpman/gateway`), so types match. */
const LOADER_OPTIONS = {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_DIR],
};

let cached: ProtoGrpcType | undefined;

/** The loaded `mcpman.mcp.v1` package: the Mcp service and client constructor. */
export function mcpProto(): ProtoGrpcType {
  cached ??= loadPackageDefinition(loadSync(PROTO_FILE, LOADER_OPTIONS)) as unknown as ProtoGrpcType;
  return cached;
}
