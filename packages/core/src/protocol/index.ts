export * from './jsonrpc.js';
export * from './mcp.js';
