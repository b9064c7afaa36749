/**
 * JSON-RPC 2.0 message shapes and a fast structural check. Messages cross the gateway in both
 * directions on the hot path, so this is a handful of property checks, not a schema library;
 * method-specific params are validated where they are used.
 */

export type JsonRpcId = string | number;
export type JsonObject = Record<string, unknown>;

export interface JsonRpcRequest {
  readonly jsonrpc: '2.0';
  readonly id: JsonRpcId;
  readonly method: string;
  readonly params?: JsonObject;
}

export interface JsonRpcNotification {
  readonly jsonrpc: '2.0';
  readonly method: string;
  readonly params?: JsonObject;
}

export interface JsonRpcSuccess {
  readonly jsonrpc: '2.0';
  readonly id: JsonRpcId;
  readonly result: JsonObject;
}

export interface JsonRpcErrorBody {
  readonly code: number;
  readonly message: string;
  readonly data?: unknown;
}

export interface JsonRpcFailure {
  readonly jsonrpc: '2.0';
  readonly id: JsonRpcId | null;
  readonly error: JsonRpcErrorBody;
}

export type JsonRpcResponse = JsonRpcSuccess | JsonRpcFailure;
export type JsonRpcMessage = JsonRpcRequest | JsonRpcNotification | JsonRpcResponse;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `value` when it is a JSON object, else an empty one: reading optional fields of untrusted params. */
export function objectOf(value: unknown): JsonObject {
  return isObject(value) ? value : {};
}

function isId(value: unknown): value is JsonRpcId {
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
}

export type Classified =
  | { readonly kind: 'request'; readonly message: JsonRpcRequest }
  | { readonly kind: 'notification'; readonly message: JsonRpcNotification }
  | { readonly kind: 'response'; readonly message: JsonRpcResponse }
  | { readonly kind: 'invalid'; readonly id: JsonRpcId | null; readonly reason: string };

/** What kind of JSON-RPC message `value` is, or why it is none. */
export function classifyMessage(value: unknown): Classified {
  if (!isObject(value)) return { kind: 'invalid', id: null, reason: 'a JSON-RPC message must be an object' };
  const id = 'id' in value ? value['id'] : undefined;
  const validId = isId(id) ? id : null;
  if (value['jsonrpc'] !== '2.0') return { kind: 'invalid', id: validId, reason: 'jsonrpc must be "2.0"' };
  if ('method' in value) {
    if (typeof value['method'] !== 'string' || value['method'] === '') {
      return { kind: 'invalid', id: validId, reason: 'method must be a non-empty string' };
    }
    if ('params' in value && value['params'] !== undefined && !isObject(value['params'])) {
      return { kind: 'invalid', id: validId, reason: 'params must be an object' };
    }
    if (id === undefined) return { kind: 'notification', message: value as unknown as JsonRpcNotification };
    if (!isId(id)) return { kind: 'invalid', id: null, reason: 'id must be a string or a number' };
    return { kind: 'request', message: value as unknown as JsonRpcRequest };
  }
  if ('result' in value || 'error' in value) {
    if (!isId(id) && id !== null) return { kind: 'invalid', id: null, reason: 'a response needs an id' };
    if ('error' in value) {
      const error = value['error'];
      if (!isObject(error) || typeof error['code'] !== 'number' || typeof error['message'] !== 'string') {
        return { kind: 'invalid', id: validId, reason: 'error must have a numeric code and a message' };
      }
    } else if (!isObject(value['result'])) {
      return { kind: 'invalid', id: validId, reason: 'result must be an object' };
    }
    return { kind: 'response', message: value as unknown as JsonRpcResponse };
  }
  return { kind: 'invalid', id: validId, reason: 'not a request, notification or response' };
}

export function isFailure(message: JsonRpcResponse): message is JsonRpcFailure {
  return 'error' in message;
}

export function errorResponse(id: JsonRpcId | null, error: JsonRpcErrorBody): JsonRpcFailure {
  return { jsonrpc: '2.0', id, error };
}
