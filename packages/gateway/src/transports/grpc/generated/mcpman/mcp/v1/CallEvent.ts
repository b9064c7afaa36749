// Original file: proto/mcpman/mcp/v1/mcp.proto


/**
 * One event of a streamed call. Exactly one field is set (no `oneof`, as in
 * the public proposal, for forward compatibility).
 */
export interface CallEvent {
  /**
   * A notification about the call (progress, log message), a JSON-RPC
   * notification as JSON.
   */
  'notificationJson'?: (string);
  /**
   * The final result, a JSON object. The stream ends after it.
   */
  'resultJson'?: (string);
}

/**
 * One event of a streamed call. Exactly one field is set (no `oneof`, as in
 * the public proposal, for forward compatibility).
 */
export interface CallEvent__Output {
  /**
   * A notification about the call (progress, log message), a JSON-RPC
   * notification as JSON.
   */
  'notificationJson': (string);
  /**
   * The final result, a JSON object. The stream ends after it.
   */
  'resultJson': (string);
}
