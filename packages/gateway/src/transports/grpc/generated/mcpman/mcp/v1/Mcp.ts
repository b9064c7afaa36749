// Original file: proto/mcpman/mcp/v1/mcp.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { CallEvent as _mcpman_mcp_v1_CallEvent, CallEvent__Output as _mcpman_mcp_v1_CallEvent__Output } from '../../../mcpman/mcp/v1/CallEvent.js';
import type { CallToolRequest as _mcpman_mcp_v1_CallToolRequest, CallToolRequest__Output as _mcpman_mcp_v1_CallToolRequest__Output } from '../../../mcpman/mcp/v1/CallToolRequest.js';
import type { CompleteRequest as _mcpman_mcp_v1_CompleteRequest, CompleteRequest__Output as _mcpman_mcp_v1_CompleteRequest__Output } from '../../../mcpman/mcp/v1/CompleteRequest.js';
import type { DiscoverRequest as _mcpman_mcp_v1_DiscoverRequest, DiscoverRequest__Output as _mcpman_mcp_v1_DiscoverRequest__Output } from '../../../mcpman/mcp/v1/DiscoverRequest.js';
import type { GetPromptRequest as _mcpman_mcp_v1_GetPromptRequest, GetPromptRequest__Output as _mcpman_mcp_v1_GetPromptRequest__Output } from '../../../mcpman/mcp/v1/GetPromptRequest.js';
import type { JsonRpcMessage as _mcpman_mcp_v1_JsonRpcMessage, JsonRpcMessage__Output as _mcpman_mcp_v1_JsonRpcMessage__Output } from '../../../mcpman/mcp/v1/JsonRpcMessage.js';
import type { ListRequest as _mcpman_mcp_v1_ListRequest, ListRequest__Output as _mcpman_mcp_v1_ListRequest__Output } from '../../../mcpman/mcp/v1/ListRequest.js';
import type { ListenRequest as _mcpman_mcp_v1_ListenRequest, ListenRequest__Output as _mcpman_mcp_v1_ListenRequest__Output } from '../../../mcpman/mcp/v1/ListenRequest.js';
import type { McpResult as _mcpman_mcp_v1_McpResult, McpResult__Output as _mcpman_mcp_v1_McpResult__Output } from '../../../mcpman/mcp/v1/McpResult.js';
import type { ReadResourceRequest as _mcpman_mcp_v1_ReadResourceRequest, ReadResourceRequest__Output as _mcpman_mcp_v1_ReadResourceRequest__Output } from '../../../mcpman/mcp/v1/ReadResourceRequest.js';
import type { ResourceRequest as _mcpman_mcp_v1_ResourceRequest, ResourceRequest__Output as _mcpman_mcp_v1_ResourceRequest__Output } from '../../../mcpman/mcp/v1/ResourceRequest.js';
import type { SetLoggingLevelRequest as _mcpman_mcp_v1_SetLoggingLevelRequest, SetLoggingLevelRequest__Output as _mcpman_mcp_v1_SetLoggingLevelRequest__Output } from '../../../mcpman/mcp/v1/SetLoggingLevelRequest.js';

export interface McpClient extends grpc.Client {
  /**
   * tools/call. Progress and log notifications about the call stream before
   * the result; the stream ends after the result.
   */
  CallTool(argument: _mcpman_mcp_v1_CallToolRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_mcpman_mcp_v1_CallEvent__Output>;
  CallTool(argument: _mcpman_mcp_v1_CallToolRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_mcpman_mcp_v1_CallEvent__Output>;
  /**
   * tools/call. Progress and log notifications about the call stream before
   * the result; the stream ends after the result.
   */
  callTool(argument: _mcpman_mcp_v1_CallToolRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_mcpman_mcp_v1_CallEvent__Output>;
  callTool(argument: _mcpman_mcp_v1_CallToolRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_mcpman_mcp_v1_CallEvent__Output>;
  
  /**
   * completion/complete.
   */
  Complete(argument: _mcpman_mcp_v1_CompleteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  Complete(argument: _mcpman_mcp_v1_CompleteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  Complete(argument: _mcpman_mcp_v1_CompleteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  Complete(argument: _mcpman_mcp_v1_CompleteRequest, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  /**
   * completion/complete.
   */
  complete(argument: _mcpman_mcp_v1_CompleteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  complete(argument: _mcpman_mcp_v1_CompleteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  complete(argument: _mcpman_mcp_v1_CompleteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  complete(argument: _mcpman_mcp_v1_CompleteRequest, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  
  /**
   * server/discover (2026-07-28): what the gateway offers.
   */
  Discover(argument: _mcpman_mcp_v1_DiscoverRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  Discover(argument: _mcpman_mcp_v1_DiscoverRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  Discover(argument: _mcpman_mcp_v1_DiscoverRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  Discover(argument: _mcpman_mcp_v1_DiscoverRequest, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  /**
   * server/discover (2026-07-28): what the gateway offers.
   */
  discover(argument: _mcpman_mcp_v1_DiscoverRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  discover(argument: _mcpman_mcp_v1_DiscoverRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  discover(argument: _mcpman_mcp_v1_DiscoverRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  discover(argument: _mcpman_mcp_v1_DiscoverRequest, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  
  GetPrompt(argument: _mcpman_mcp_v1_GetPromptRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_mcpman_mcp_v1_CallEvent__Output>;
  GetPrompt(argument: _mcpman_mcp_v1_GetPromptRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_mcpman_mcp_v1_CallEvent__Output>;
  getPrompt(argument: _mcpman_mcp_v1_GetPromptRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_mcpman_mcp_v1_CallEvent__Output>;
  getPrompt(argument: _mcpman_mcp_v1_GetPromptRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_mcpman_mcp_v1_CallEvent__Output>;
  
  ListPrompts(argument: _mcpman_mcp_v1_ListRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  ListPrompts(argument: _mcpman_mcp_v1_ListRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  ListPrompts(argument: _mcpman_mcp_v1_ListRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  ListPrompts(argument: _mcpman_mcp_v1_ListRequest, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  listPrompts(argument: _mcpman_mcp_v1_ListRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  listPrompts(argument: _mcpman_mcp_v1_ListRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  listPrompts(argument: _mcpman_mcp_v1_ListRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  listPrompts(argument: _mcpman_mcp_v1_ListRequest, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  
  ListResourceTemplates(argument: _mcpman_mcp_v1_ListRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  ListResourceTemplates(argument: _mcpman_mcp_v1_ListRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  ListResourceTemplates(argument: _mcpman_mcp_v1_ListRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  ListResourceTemplates(argument: _mcpman_mcp_v1_ListRequest, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  listResourceTemplates(argument: _mcpman_mcp_v1_ListRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  listResourceTemplates(argument: _mcpman_mcp_v1_ListRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  listResourceTemplates(argument: _mcpman_mcp_v1_ListRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  listResourceTemplates(argument: _mcpman_mcp_v1_ListRequest, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  
  ListResources(argument: _mcpman_mcp_v1_ListRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  ListResources(argument: _mcpman_mcp_v1_ListRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  ListResources(argument: _mcpman_mcp_v1_ListRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  ListResources(argument: _mcpman_mcp_v1_ListRequest, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  listResources(argument: _mcpman_mcp_v1_ListRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  listResources(argument: _mcpman_mcp_v1_ListRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  listResources(argument: _mcpman_mcp_v1_ListRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  listResources(argument: _mcpman_mcp_v1_ListRequest, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  
  ListTools(argument: _mcpman_mcp_v1_ListRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  ListTools(argument: _mcpman_mcp_v1_ListRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  ListTools(argument: _mcpman_mcp_v1_ListRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  ListTools(argument: _mcpman_mcp_v1_ListRequest, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  listTools(argument: _mcpman_mcp_v1_ListRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  listTools(argument: _mcpman_mcp_v1_ListRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  listTools(argument: _mcpman_mcp_v1_ListRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  listTools(argument: _mcpman_mcp_v1_ListRequest, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  
  /**
   * subscriptions/listen (2026-07-28), without a session: the acknowledgement,
   * then list changes and resource updates as notifications; it runs until
   * the client cancels it, and the gateway ends it with a result when it stops.
   */
  Listen(argument: _mcpman_mcp_v1_ListenRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_mcpman_mcp_v1_CallEvent__Output>;
  Listen(argument: _mcpman_mcp_v1_ListenRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_mcpman_mcp_v1_CallEvent__Output>;
  /**
   * subscriptions/listen (2026-07-28), without a session: the acknowledgement,
   * then list changes and resource updates as notifications; it runs until
   * the client cancels it, and the gateway ends it with a result when it stops.
   */
  listen(argument: _mcpman_mcp_v1_ListenRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_mcpman_mcp_v1_CallEvent__Output>;
  listen(argument: _mcpman_mcp_v1_ListenRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_mcpman_mcp_v1_CallEvent__Output>;
  
  ReadResource(argument: _mcpman_mcp_v1_ReadResourceRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_mcpman_mcp_v1_CallEvent__Output>;
  ReadResource(argument: _mcpman_mcp_v1_ReadResourceRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_mcpman_mcp_v1_CallEvent__Output>;
  readResource(argument: _mcpman_mcp_v1_ReadResourceRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_mcpman_mcp_v1_CallEvent__Output>;
  readResource(argument: _mcpman_mcp_v1_ReadResourceRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_mcpman_mcp_v1_CallEvent__Output>;
  
  /**
   * A whole MCP session over one stream: JSON-RPC messages both ways.
   */
  Session(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_mcpman_mcp_v1_JsonRpcMessage, _mcpman_mcp_v1_JsonRpcMessage__Output>;
  Session(options?: grpc.CallOptions): grpc.ClientDuplexStream<_mcpman_mcp_v1_JsonRpcMessage, _mcpman_mcp_v1_JsonRpcMessage__Output>;
  /**
   * A whole MCP session over one stream: JSON-RPC messages both ways.
   */
  session(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_mcpman_mcp_v1_JsonRpcMessage, _mcpman_mcp_v1_JsonRpcMessage__Output>;
  session(options?: grpc.CallOptions): grpc.ClientDuplexStream<_mcpman_mcp_v1_JsonRpcMessage, _mcpman_mcp_v1_JsonRpcMessage__Output>;
  
  /**
   * Session-only requests (they need `mcp-session-id`): logging/setLevel,
   * resources/subscribe and resources/unsubscribe. Their notifications arrive
   * on the Session stream.
   */
  SetLoggingLevel(argument: _mcpman_mcp_v1_SetLoggingLevelRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  SetLoggingLevel(argument: _mcpman_mcp_v1_SetLoggingLevelRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  SetLoggingLevel(argument: _mcpman_mcp_v1_SetLoggingLevelRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  SetLoggingLevel(argument: _mcpman_mcp_v1_SetLoggingLevelRequest, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  /**
   * Session-only requests (they need `mcp-session-id`): logging/setLevel,
   * resources/subscribe and resources/unsubscribe. Their notifications arrive
   * on the Session stream.
   */
  setLoggingLevel(argument: _mcpman_mcp_v1_SetLoggingLevelRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  setLoggingLevel(argument: _mcpman_mcp_v1_SetLoggingLevelRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  setLoggingLevel(argument: _mcpman_mcp_v1_SetLoggingLevelRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  setLoggingLevel(argument: _mcpman_mcp_v1_SetLoggingLevelRequest, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  
  Subscribe(argument: _mcpman_mcp_v1_ResourceRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  Subscribe(argument: _mcpman_mcp_v1_ResourceRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  Subscribe(argument: _mcpman_mcp_v1_ResourceRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  Subscribe(argument: _mcpman_mcp_v1_ResourceRequest, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  subscribe(argument: _mcpman_mcp_v1_ResourceRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  subscribe(argument: _mcpman_mcp_v1_ResourceRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  subscribe(argument: _mcpman_mcp_v1_ResourceRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  subscribe(argument: _mcpman_mcp_v1_ResourceRequest, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  
  Unsubscribe(argument: _mcpman_mcp_v1_ResourceRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  Unsubscribe(argument: _mcpman_mcp_v1_ResourceRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  Unsubscribe(argument: _mcpman_mcp_v1_ResourceRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  Unsubscribe(argument: _mcpman_mcp_v1_ResourceRequest, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  unsubscribe(argument: _mcpman_mcp_v1_ResourceRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  unsubscribe(argument: _mcpman_mcp_v1_ResourceRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  unsubscribe(argument: _mcpman_mcp_v1_ResourceRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  unsubscribe(argument: _mcpman_mcp_v1_ResourceRequest, callback: grpc.requestCallback<_mcpman_mcp_v1_McpResult__Output>): grpc.ClientUnaryCall;
  
}

export interface McpHandlers extends grpc.UntypedServiceImplementation {
  /**
   * tools/call. Progress and log notifications about the call stream before
   * the result; the stream ends after the result.
   */
  CallTool: grpc.handleServerStreamingCall<_mcpman_mcp_v1_CallToolRequest__Output, _mcpman_mcp_v1_CallEvent>;
  
  /**
   * completion/complete.
   */
  Complete: grpc.handleUnaryCall<_mcpman_mcp_v1_CompleteRequest__Output, _mcpman_mcp_v1_McpResult>;
  
  /**
   * server/discover (2026-07-28): what the gateway offers.
   */
  Discover: grpc.handleUnaryCall<_mcpman_mcp_v1_DiscoverRequest__Output, _mcpman_mcp_v1_McpResult>;
  
  GetPrompt: grpc.handleServerStreamingCall<_mcpman_mcp_v1_GetPromptRequest__Output, _mcpman_mcp_v1_CallEvent>;
  
  ListPrompts: grpc.handleUnaryCall<_mcpman_mcp_v1_ListRequest__Output, _mcpman_mcp_v1_McpResult>;
  
  ListResourceTemplates: grpc.handleUnaryCall<_mcpman_mcp_v1_ListRequest__Output, _mcpman_mcp_v1_McpResult>;
  
  ListResources: grpc.handleUnaryCall<_mcpman_mcp_v1_ListRequest__Output, _mcpman_mcp_v1_McpResult>;
  
  ListTools: grpc.handleUnaryCall<_mcpman_mcp_v1_ListRequest__Output, _mcpman_mcp_v1_McpResult>;
  
  /**
   * subscriptions/listen (2026-07-28), without a session: the acknowledgement,
   * then list changes and resource updates as notifications; it runs until
   * the client cancels it, and the gateway ends it with a result when it stops.
   */
  Listen: grpc.handleServerStreamingCall<_mcpman_mcp_v1_ListenRequest__Output, _mcpman_mcp_v1_CallEvent>;
  
  ReadResource: grpc.handleServerStreamingCall<_mcpman_mcp_v1_ReadResourceRequest__Output, _mcpman_mcp_v1_CallEvent>;
  
  /**
   * A whole MCP session over one stream: JSON-RPC messages both ways.
   */
  Session: grpc.handleBidiStreamingCall<_mcpman_mcp_v1_JsonRpcMessage__Output, _mcpman_mcp_v1_JsonRpcMessage>;
  
  /**
   * Session-only requests (they need `mcp-session-id`): logging/setLevel,
   * resources/subscribe and resources/unsubscribe. Their notifications arrive
   * on the Session stream.
   */
  SetLoggingLevel: grpc.handleUnaryCall<_mcpman_mcp_v1_SetLoggingLevelRequest__Output, _mcpman_mcp_v1_McpResult>;
  
  Subscribe: grpc.handleUnaryCall<_mcpman_mcp_v1_ResourceRequest__Output, _mcpman_mcp_v1_McpResult>;
  
  Unsubscribe: grpc.handleUnaryCall<_mcpman_mcp_v1_ResourceRequest__Output, _mcpman_mcp_v1_McpResult>;
  
}

export interface McpDefinition extends grpc.ServiceDefinition {
  CallTool: MethodDefinition<_mcpman_mcp_v1_CallToolRequest, _mcpman_mcp_v1_CallEvent, _mcpman_mcp_v1_CallToolRequest__Output, _mcpman_mcp_v1_CallEvent__Output>
  Complete: MethodDefinition<_mcpman_mcp_v1_CompleteRequest, _mcpman_mcp_v1_McpResult, _mcpman_mcp_v1_CompleteRequest__Output, _mcpman_mcp_v1_McpResult__Output>
  Discover: MethodDefinition<_mcpman_mcp_v1_DiscoverRequest, _mcpman_mcp_v1_McpResult, _mcpman_mcp_v1_DiscoverRequest__Output, _mcpman_mcp_v1_McpResult__Output>
  GetPrompt: MethodDefinition<_mcpman_mcp_v1_GetPromptRequest, _mcpman_mcp_v1_CallEvent, _mcpman_mcp_v1_GetPromptRequest__Output, _mcpman_mcp_v1_CallEvent__Output>
  ListPrompts: MethodDefinition<_mcpman_mcp_v1_ListRequest, _mcpman_mcp_v1_McpResult, _mcpman_mcp_v1_ListRequest__Output, _mcpman_mcp_v1_McpResult__Output>
  ListResourceTemplates: MethodDefinition<_mcpman_mcp_v1_ListRequest, _mcpman_mcp_v1_McpResult, _mcpman_mcp_v1_ListRequest__Output, _mcpman_mcp_v1_McpResult__Output>
  ListResources: MethodDefinition<_mcpman_mcp_v1_ListRequest, _mcpman_mcp_v1_McpResult, _mcpman_mcp_v1_ListRequest__Output, _mcpman_mcp_v1_McpResult__Output>
  ListTools: MethodDefinition<_mcpman_mcp_v1_ListRequest, _mcpman_mcp_v1_McpResult, _mcpman_mcp_v1_ListRequest__Output, _mcpman_mcp_v1_McpResult__Output>
  Listen: MethodDefinition<_mcpman_mcp_v1_ListenRequest, _mcpman_mcp_v1_CallEvent, _mcpman_mcp_v1_ListenRequest__Output, _mcpman_mcp_v1_CallEvent__Output>
  ReadResource: MethodDefinition<_mcpman_mcp_v1_ReadResourceRequest, _mcpman_mcp_v1_CallEvent, _mcpman_mcp_v1_ReadResourceRequest__Output, _mcpman_mcp_v1_CallEvent__Output>
  Session: MethodDefinition<_mcpman_mcp_v1_JsonRpcMessage, _mcpman_mcp_v1_JsonRpcMessage, _mcpman_mcp_v1_JsonRpcMessage__Output, _mcpman_mcp_v1_JsonRpcMessage__Output>
  SetLoggingLevel: MethodDefinition<_mcpman_mcp_v1_SetLoggingLevelRequest, _mcpman_mcp_v1_McpResult, _mcpman_mcp_v1_SetLoggingLevelRequest__Output, _mcpman_mcp_v1_McpResult__Output>
  Subscribe: MethodDefinition<_mcpman_mcp_v1_ResourceRequest, _mcpman_mcp_v1_McpResult, _mcpman_mcp_v1_ResourceRequest__Output, _mcpman_mcp_v1_McpResult__Output>
  Unsubscribe: MethodDefinition<_mcpman_mcp_v1_ResourceRequest, _mcpman_mcp_v1_McpResult, _mcpman_mcp_v1_ResourceRequest__Output, _mcpman_mcp_v1_McpResult__Output>
}
