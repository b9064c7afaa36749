// Original file: proto/mcpman/mcp/v1/mcp.proto

import type { RequestFields as _mcpman_mcp_v1_RequestFields, RequestFields__Output as _mcpman_mcp_v1_RequestFields__Output } from '../../../mcpman/mcp/v1/RequestFields.js';

export interface ListenRequest {
  'fields'?: (_mcpman_mcp_v1_RequestFields | null);
  'toolsListChanged'?: (boolean);
  'promptsListChanged'?: (boolean);
  'resourcesListChanged'?: (boolean);
  /**
   * Resource URIs (as the endpoint names them) whose updates to send.
   */
  'resourceSubscriptions'?: (string)[];
}

export interface ListenRequest__Output {
  'fields': (_mcpman_mcp_v1_RequestFields__Output | null);
  'toolsListChanged': (boolean);
  'promptsListChanged': (boolean);
  'resourcesListChanged': (boolean);
  /**
   * Resource URIs (as the endpoint names them) whose updates to send.
   */
  'resourceSubscriptions': (string)[];
}
