// Original file: proto/mcpman/mcp/v1/mcp.proto


/**
 * Fields any request may carry.
 */
export interface RequestFields {
  /**
   * The request's `_meta`, a JSON object. Optional.
   */
  'metaJson'?: (string);
  /**
   * When set, progress notifications for this request are streamed
   * (CallTool, GetPrompt, ReadResource).
   */
  'progressToken'?: (string);
  /**
   * 2026-07-28 multi round-trip requests: the `requestState` of an
   * `input_required` result, and the answers to its `inputRequests` as a JSON
   * object keyed like them.
   */
  'requestState'?: (string);
  'inputResponsesJson'?: (string);
}

/**
 * Fields any request may carry.
 */
export interface RequestFields__Output {
  /**
   * The request's `_meta`, a JSON object. Optional.
   */
  'metaJson': (string);
  /**
   * When set, progress notifications for this request are streamed
   * (CallTool, GetPrompt, ReadResource).
   */
  'progressToken': (string);
  /**
   * 2026-07-28 multi round-trip requests: the `requestState` of an
   * `input_required` result, and the answers to its `inputRequests` as a JSON
   * object keyed like them.
   */
  'requestState': (string);
  'inputResponsesJson': (string);
}
