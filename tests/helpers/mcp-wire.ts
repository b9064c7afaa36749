/** Raw MCP messages for tests that speak the wire protocol without an SDK client. */

/** A 2025-11-25 `initialize` request from a client named `client`. */
export function initializeRequest(client: string, id = 1): Record<string, unknown> {
  return {
    jsonrpc: '2.0',
    id,
    method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: client, version: '1' } },
  };
}
