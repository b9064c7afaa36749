export * from './jsonrpc.js';
export * from './mcp.js';
export * from './methods.js';
export * from './envelope.js';
