import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { CallEvent as _mcpman_mcp_v1_CallEvent, CallEvent__Output as _mcpman_mcp_v1_CallEvent__Output } from './mcpman/mcp/v1/CallEvent.js';
import type { CallToolRequest as _mcpman_mcp_v1_CallToolRequest, CallToolRequest__Output as _mcpman_mcp_v1_CallToolRequest__Output } from './mcpman/mcp/v1/CallToolRequest.js';
import type { CompleteRequest as _mcpman_mcp_v1_CompleteRequest, CompleteRequest__Output as _mcpman_mcp_v1_CompleteRequest__Output } from './mcpman/mcp/v1/CompleteRequest.js';
import type { DiscoverRequest as _mcpman_mcp_v1_DiscoverRequest, DiscoverRequest__Output as _mcpman_mcp_v1_DiscoverRequest__Output } from './mcpman/mcp/v1/DiscoverRequest.js';
import type { GetPromptRequest as _mcpman_mcp_v1_GetPromptRequest, GetPromptRequest__Output as _mcpman_mcp_v1_GetPromptRequest__Output } from './mcpman/mcp/v1/GetPromptRequest.js';
import type { JsonRpcMessage as _mcpman_mcp_v1_JsonRpcMessage, JsonRpcMessage__Output as _mcpman_mcp_v1_JsonRpcMessage__Output } from './mcpman/mcp/v1/JsonRpcMessage.js';
import type { ListRequest as _mcpman_mcp_v1_ListRequest, ListRequest__Output as _mcpman_mcp_v1_ListRequest__Output } from './mcpman/mcp/v1/ListRequest.js';
import type { ListenRequest as _mcpman_mcp_v1_ListenRequest, ListenRequest__Output as _mcpman_mcp_v1_ListenRequest__Output } from './mcpman/mcp/v1/ListenRequest.js';
import type { McpClient as _mcpman_mcp_v1_McpClient, McpDefinition as _mcpman_mcp_v1_McpDefinition } from './mcpman/mcp/v1/Mcp.js';
import type { McpResult as _mcpman_mcp_v1_McpResult, McpResult__Output as _mcpman_mcp_v1_McpResult__Output } from './mcpman/mcp/v1/McpResult.js';
import type { ReadResourceRequest as _mcpman_mcp_v1_ReadResourceRequest, ReadResourceRequest__Output as _mcpman_mcp_v1_ReadResourceRequest__Output } from './mcpman/mcp/v1/ReadResourceRequest.js';
import type { RequestFields as _mcpman_mcp_v1_RequestFields, RequestFields__Output as _mcpman_mcp_v1_RequestFields__Output } from './mcpman/mcp/v1/RequestFields.js';
import type { ResourceRequest as _mcpman_mcp_v1_ResourceRequest, ResourceRequest__Output as _mcpman_mcp_v1_ResourceRequest__Output } from './mcpman/mcp/v1/ResourceRequest.js';
import type { SetLoggingLevelRequest as _mcpman_mcp_v1_SetLoggingLevelRequest, SetLoggingLevelRequest__Output as _mcpman_mcp_v1_SetLoggingLevelRequest__Output } from './mcpman/mcp/v1/SetLoggingLevelRequest.js';

type SubtypeConstructor<Constructor extends new (...args: never) => unknown, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  mcpman: {
    mcp: {
      v1: {
        CallEvent: MessageTypeDefinition<_mcpman_mcp_v1_CallEvent, _mcpman_mcp_v1_CallEvent__Output>
        CallToolRequest: MessageTypeDefinition<_mcpman_mcp_v1_CallToolRequest, _mcpman_mcp_v1_CallToolRequest__Output>
        CompleteRequest: MessageTypeDefinition<_mcpman_mcp_v1_CompleteRequest, _mcpman_mcp_v1_CompleteRequest__Output>
        DiscoverRequest: MessageTypeDefinition<_mcpman_mcp_v1_DiscoverRequest, _mcpman_mcp_v1_DiscoverRequest__Output>
        GetPromptRequest: MessageTypeDefinition<_mcpman_mcp_v1_GetPromptRequest, _mcpman_mcp_v1_GetPromptRequest__Output>
        JsonRpcMessage: MessageTypeDefinition<_mcpman_mcp_v1_JsonRpcMessage, _mcpman_mcp_v1_JsonRpcMessage__Output>
        ListRequest: MessageTypeDefinition<_mcpman_mcp_v1_ListRequest, _mcpman_mcp_v1_ListRequest__Output>
        ListenRequest: MessageTypeDefinition<_mcpman_mcp_v1_ListenRequest, _mcpman_mcp_v1_ListenRequest__Output>
        Mcp: SubtypeConstructor<typeof grpc.Client, _mcpman_mcp_v1_McpClient> & { service: _mcpman_mcp_v1_McpDefinition }
        McpResult: MessageTypeDefinition<_mcpman_mcp_v1_McpResult, _mcpman_mcp_v1_McpResult__Output>
        ReadResourceRequest: MessageTypeDefinition<_mcpman_mcp_v1_ReadResourceRequest, _mcpman_mcp_v1_ReadResourceRequest__Output>
        RequestFields: MessageTypeDefinition<_mcpman_mcp_v1_RequestFields, _mcpman_mcp_v1_RequestFields__Output>
        ResourceRequest: MessageTypeDefinition<_mcpman_mcp_v1_ResourceRequest, _mcpman_mcp_v1_ResourceRequest__Output>
        SetLoggingLevelRequest: MessageTypeDefinition<_mcpman_mcp_v1_SetLoggingLevelRequest, _mcpman_mcp_v1_SetLoggingLevelRequest__Output>
      }
    }
  }
}

