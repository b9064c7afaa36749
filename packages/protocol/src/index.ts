// What every part of mcpman that speaks MCP shares, and nothing that needs Podman: JSON-RPC and
// the MCP method tables of both eras, the error codes with their JSON-RPC, HTTP and gRPC
// answers, the JSON-RPC peer with its handshake and HTTP connection, and small Node utilities.
export * from './errors/index.js';
export * from './mcp/index.js';
export * from './peer/index.js';
export * from './util/index.js';
