export {
  MCPErrorCode,
  JsonRpcErrorCode,
  ERROR_CODE_MAPPING,
  ERA_HTTP_STATUS,
  GRPC_STATUS_BY_JSON_RPC,
  GrpcStatus,
  jsonRpcCodeFor,
  httpStatusFor,
  grpcStatusFor,
  isTransientCode,
  parseErrorCode,
} from './codes.js';
export type { ErrorCodeMapping, GrpcStatusValue, JsonRpcErrorCodeValue } from './codes.js';
export {
  invalidParams,
  invalidRequest,
  notInSessionEra,
  notInStatelessEra,
  profileNotFound,
  serverNotFound,
  sessionNotFound,
} from './refusals.js';
export { MCPError, isMCPError, toMCPError } from './mcp-error.js';
export type { MCPErrorOptions, JsonRpcErrorObject } from './mcp-error.js';
export { ResiliencePolicy, isTransientError, DEFAULT_RETRY, DEFAULT_BREAKER } from './resilience.js';
export type { ResilienceOptions, RetryOptions, BreakerOptions } from './resilience.js';
