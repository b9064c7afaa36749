// Original file: proto/mcpman/mcp/v1/mcp.proto

import type { RequestFields as _mcpman_mcp_v1_RequestFields, RequestFields__Output as _mcpman_mcp_v1_RequestFields__Output } from '../../../mcpman/mcp/v1/RequestFields.js';

export interface ResourceRequest {
  'fields'?: (_mcpman_mcp_v1_RequestFields | null);
  'uri'?: (string);
}

export interface ResourceRequest__Output {
  'fields': (_mcpman_mcp_v1_RequestFields__Output | null);
  'uri': (string);
}
