// Original file: proto/mcpman/mcp/v1/mcp.proto

import type { RequestFields as _mcpman_mcp_v1_RequestFields, RequestFields__Output as _mcpman_mcp_v1_RequestFields__Output } from '../../../mcpman/mcp/v1/RequestFields.js';

export interface CallToolRequest {
  'fields'?: (_mcpman_mcp_v1_RequestFields | null);
  'name'?: (string);
  /**
   * The tool's arguments, a JSON object; empty means {}.
   */
  'argumentsJson'?: (string);
}

export interface CallToolRequest__Output {
  'fields': (_mcpman_mcp_v1_RequestFields__Output | null);
  'name': (string);
  /**
   * The tool's arguments, a JSON object; empty means {}.
   */
  'argumentsJson': (string);
}
