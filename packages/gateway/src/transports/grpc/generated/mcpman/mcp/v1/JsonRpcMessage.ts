// Original file: proto/mcpman/mcp/v1/mcp.proto


/**
 * One JSON-RPC 2.0 message, as JSON text.
 */
export interface JsonRpcMessage {
  'json'?: (string);
}

/**
 * One JSON-RPC 2.0 message, as JSON text.
 */
export interface JsonRpcMessage__Output {
  'json': (string);
}
