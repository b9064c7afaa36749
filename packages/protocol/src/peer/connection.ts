import type { JsonRpcMessage } from '../mcp/jsonrpc.js';

/**
 * A message channel to one MCP server, whatever carries it (stdio over the engine's attach
 * stream, or Streamable HTTP to a published port). Shaped like the MCP SDK's Transport, so the
 * gateway's pipeline is written once over it.
 */
export interface UpstreamConnection {
  readonly kind: 'stdio' | 'http';
  /** Human-readable, for errors ("stdio of mcpman-everything"). */
  readonly description: string;
  start(): Promise<void>;
  /** `signal` aborts what carries a request (HTTP: its POST, which 2026-07-28 servers read as cancel). */
  send(message: JsonRpcMessage, options?: { readonly signal?: AbortSignal }): Promise<void>;
  close(): Promise<void>;
  onmessage?: (message: JsonRpcMessage) => void;
  /** Called once, when the channel is gone for good (the server exited, the socket broke). */
  onclose?: (reason: Error | undefined) => void;
  /** Problems that do not end the channel (a line that is not JSON). */
  onerror?: (error: Error) => void;
  /** Tells an HTTP channel which protocol revision was negotiated (for its headers). */
  setProtocolVersion?(version: string): void;
}
