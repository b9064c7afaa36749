// What mcpman connects to outside itself: the MCP Registry and its catalog, the MCP clients whose
// configuration files it writes, and Kubernetes manifests. None of it is on the gateway's data path.
export * from './catalog/index.js';
export * from './clients/index.js';
export * from './kubernetes/index.js';
