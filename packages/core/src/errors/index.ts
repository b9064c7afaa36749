export {
  MCPErrorCode,
  JsonRpcErrorCode,
  ERROR_CODE_MAPPING,
  jsonRpcCodeFor,
  httpStatusFor,
  isTransientCode,
  parseErrorCode,
} from './codes.js';
export type { ErrorCodeMapping, JsonRpcErrorCodeValue } from './codes.js';
export { MCPError, isMCPError, toMCPError } from './mcp-error.js';
export type { MCPErrorOptions, JsonRpcErrorObject } from './mcp-error.js';
export { ResiliencePolicy, isTransientError, DEFAULT_RETRY, DEFAULT_BREAKER } from './resilience.js';
export type { ResilienceOptions, RetryOptions, BreakerOptions } from './resilience.js';
