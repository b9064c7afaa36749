// Original file: proto/mcpman/mcp/v1/mcp.proto

import type { RequestFields as _mcpman_mcp_v1_RequestFields, RequestFields__Output as _mcpman_mcp_v1_RequestFields__Output } from '../../../mcpman/mcp/v1/RequestFields.js';

export interface CompleteRequest {
  'fields'?: (_mcpman_mcp_v1_RequestFields | null);
  /**
   * The params of completion/complete (ref, argument, context), a JSON object.
   */
  'paramsJson'?: (string);
}

export interface CompleteRequest__Output {
  'fields': (_mcpman_mcp_v1_RequestFields__Output | null);
  /**
   * The params of completion/complete (ref, argument, context), a JSON object.
   */
  'paramsJson': (string);
}
