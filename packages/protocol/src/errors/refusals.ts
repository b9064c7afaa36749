import { STATELESS_ERA_VERSION } from '../mcp/mcp.js';
import { MCPErrorCode } from './codes.js';
import { MCPError } from './mcp-error.js';

/*
 * The refusals every transport makes, built once: a condition has one code, so it gets the
 * same JSON-RPC error, HTTP status and gRPC status (codes.ts) whichever wire carries it.
 */

/** A name under /servers/<name>/… or in `mcp-server` metadata that no server has. */
export function serverNotFound(name: string, hint?: string): MCPError {
  return new MCPError(
    MCPErrorCode.ServerNotFound,
    `no server named "${name}"`,
    hint === undefined ? {} : { hint },
  );
}

/** A name under /profiles/<name>/… or in `mcp-profile` metadata that no profile has. */
export function profileNotFound(name: string): MCPError {
  return new MCPError(MCPErrorCode.ProfileNotFound, `no profile named "${name}"`, {
    hint: 'Profiles are defined under profiles: in mcpman.yaml; `mcpman ls` lists them.',
  });
}

/** Another client's session, or one that ended. */
export function sessionNotFound(): MCPError {
  return new MCPError(MCPErrorCode.SessionNotFound, 'Session not found', {
    hint: 'Start a new session (initialize again).',
  });
}

/** A method the 2026-07-28 wire does not have (the session-only ones: subscribe, setLevel, …). */
export function notInStatelessEra(method: string): MCPError {
  return new MCPError(
    MCPErrorCode.ProtocolMethodNotFound,
    `Method not found: ${method} is not part of ${STATELESS_ERA_VERSION}`,
    { hint: 'Open a session (initialize) to use it.' },
  );
}

/** A 2026-07-28 method asked on a session of an earlier revision. */
export function notInSessionEra(method: string): MCPError {
  return new MCPError(
    MCPErrorCode.ProtocolMethodNotFound,
    `Method not found: ${method} is part of ${STATELESS_ERA_VERSION}, not of this session's revision`,
  );
}

export function invalidParams(message: string): MCPError {
  return new MCPError(MCPErrorCode.ProtocolInvalidParams, message);
}

/** A request path, body or message the transport cannot read. */
export function invalidRequest(message: string): MCPError {
  return new MCPError(MCPErrorCode.ProtocolInvalidRequest, message);
}
