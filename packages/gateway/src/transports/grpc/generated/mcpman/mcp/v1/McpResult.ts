// Original file: proto/mcpman/mcp/v1/mcp.proto


/**
 * The result of an MCP request, a JSON object.
 */
export interface McpResult {
  'resultJson'?: (string);
}

/**
 * The result of an MCP request, a JSON object.
 */
export interface McpResult__Output {
  'resultJson': (string);
}
