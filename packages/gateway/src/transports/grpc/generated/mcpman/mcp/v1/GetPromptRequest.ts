// Original file: proto/mcpman/mcp/v1/mcp.proto

import type { RequestFields as _mcpman_mcp_v1_RequestFields, RequestFields__Output as _mcpman_mcp_v1_RequestFields__Output } from '../../../mcpman/mcp/v1/RequestFields.js';

export interface GetPromptRequest {
  'fields'?: (_mcpman_mcp_v1_RequestFields | null);
  'name'?: (string);
  'arguments'?: ({[key: string]: string});
}

export interface GetPromptRequest__Output {
  'fields': (_mcpman_mcp_v1_RequestFields__Output | null);
  'name': (string);
  'arguments': ({[key: string]: string});
}
