import { describe, expect, it } from 'vitest';
import {
  ERROR_CODE_MAPPING,
  JsonRpcErrorCode,
  MCPErrorCode,
  httpStatusFor,
  jsonRpcCodeFor,
} from './codes.js';
import { MCPError, isMCPError, toMCPError } from './mcp-error.js';

const allCodes = Object.values(MCPErrorCode);

describe('error code mapping', () => {
  it('maps every code to a JSON-RPC code in a valid range and an HTTP error status', () => {
    for (const code of allCodes) {
      const { jsonRpc, httpStatus } = ERROR_CODE_MAPPING[code];
      const reserved = jsonRpc >= -32768 && jsonRpc <= -32000;
      expect(reserved, `${code} -> ${jsonRpc}`).toBe(true);
      expect(httpStatus, code).toBeGreaterThanOrEqual(400);
      expect(httpStatus, code).toBeLessThan(600);
    }
  });

  it.each([
    [MCPErrorCode.ProtocolParseError, JsonRpcErrorCode.ParseError, 400],
    [MCPErrorCode.ProtocolInvalidRequest, JsonRpcErrorCode.InvalidRequest, 400],
    [MCPErrorCode.ProtocolMethodNotFound, JsonRpcErrorCode.MethodNotFound, 404],
    [MCPErrorCode.ProtocolInvalidParams, JsonRpcErrorCode.InvalidParams, 400],
    [MCPErrorCode.Internal, JsonRpcErrorCode.InternalError, 500],
    [MCPErrorCode.ProtocolHeaderMismatch, -32020, 400],
    [MCPErrorCode.ProtocolMissingCapability, -32021, 400],
    [MCPErrorCode.ProtocolUnsupportedVersion, -32022, 400],
    [MCPErrorCode.UpstreamClosed, -32000, 502],
    [MCPErrorCode.UpstreamTimeout, -32001, 504],
    [MCPErrorCode.AuthRequired, JsonRpcErrorCode.Unauthorized, 401],
    [MCPErrorCode.AuthForbidden, JsonRpcErrorCode.Forbidden, 403],
    [MCPErrorCode.OriginForbidden, JsonRpcErrorCode.Forbidden, 403],
    [MCPErrorCode.RateLimited, JsonRpcErrorCode.RateLimited, 429],
    [MCPErrorCode.PayloadTooLarge, JsonRpcErrorCode.PayloadTooLarge, 413],
    [MCPErrorCode.SessionNotFound, JsonRpcErrorCode.SessionNotFound, 404],
    [MCPErrorCode.ServerNotReady, JsonRpcErrorCode.ServerUnavailable, 503],
    [MCPErrorCode.EngineUnavailable, JsonRpcErrorCode.ServerUnavailable, 503],
    [MCPErrorCode.ConfigInvalid, JsonRpcErrorCode.InvalidParams, 422],
  ])('%s -> JSON-RPC %d, HTTP %d', (code, jsonRpc, status) => {
    expect(jsonRpcCodeFor(code)).toBe(jsonRpc);
    expect(httpStatusFor(code)).toBe(status);
  });

  it('keeps the 2026-07-28 error codes distinct from ours', () => {
    const ours = [
      JsonRpcErrorCode.Unauthorized,
      JsonRpcErrorCode.Forbidden,
      JsonRpcErrorCode.RateLimited,
      JsonRpcErrorCode.ServerUnavailable,
    ];
    for (const code of ours) {
      expect([-32020, -32021, -32022, -32000, -32001, -32002]).not.toContain(code);
    }
  });

  it('marks engine and upstream outages transient and user mistakes not', () => {
    expect(ERROR_CODE_MAPPING[MCPErrorCode.EngineUnavailable].transient).toBe(true);
    expect(ERROR_CODE_MAPPING[MCPErrorCode.UpstreamClosed].transient).toBe(true);
    expect(ERROR_CODE_MAPPING[MCPErrorCode.ConfigInvalid].transient).toBe(false);
    expect(ERROR_CODE_MAPPING[MCPErrorCode.AuthInvalid].transient).toBe(false);
  });
});

describe('MCPError', () => {
  it('carries code, message, hint, cause and data to the wire', () => {
    const cause = new Error('socket hang up');
    const error = new MCPError(MCPErrorCode.UpstreamClosed, 'server everything went away', {
      hint: 'It is being restarted.',
      cause,
      data: { server: 'everything' },
    });
    expect(error).toBeInstanceOf(Error);
    expect(error.cause).toBe(cause);
    expect(error.httpStatus).toBe(502);
    expect(error.toJsonRpc()).toEqual({
      code: -32000,
      message: 'server everything went away',
      data: { code: 'UPSTREAM_CLOSED', hint: 'It is being restarted.', server: 'everything' },
    });
    expect(error.toDisplayString()).toBe(
      'UPSTREAM_CLOSED: server everything went away\n  hint: It is being restarted.',
    );
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      code: 'UPSTREAM_CLOSED',
      message: 'server everything went away',
      hint: 'It is being restarted.',
      data: { server: 'everything' },
    });
  });

  it('wraps foreign errors without losing them', () => {
    const original = new TypeError('boom');
    const wrapped = toMCPError(original, MCPErrorCode.EngineRequestFailed, 'creating container');
    expect(isMCPError(wrapped)).toBe(true);
    expect(wrapped.code).toBe(MCPErrorCode.EngineRequestFailed);
    expect(wrapped.message).toBe('creating container: boom');
    expect(wrapped.cause).toBe(original);
    const known = new MCPError(MCPErrorCode.RateLimited, 'slow down');
    expect(toMCPError(known)).toBe(known);
    expect(toMCPError('a string').message).toBe('a string');
  });
});
