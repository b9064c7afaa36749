// Test support for the gateway's own specs and other packages' (imported as @mcpman/gateway/testing,
// never from production code): real MCP servers in this process behind a ServerDirectory.
export { InProcessDirectory, exampleServer, startInProcessServer } from './in-process-server.js';
export type { InProcessServerOptions } from './in-process-server.js';
export { startInProcessGateway } from './in-process-gateway.js';
export type { InProcessGateway } from './in-process-gateway.js';
