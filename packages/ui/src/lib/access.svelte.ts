import type { RpcError } from '@mcpman/shared';

const AUTH_CODES = new Set(['AUTH_REQUIRED', 'AUTH_INVALID', 'AUTH_FORBIDDEN']);

/** Is this failure the manager asking for a token or this run's key? */
export function isAuthFailure(error: RpcError | undefined): boolean {
  return error !== undefined && AUTH_CODES.has(error.code);
}

/** The last action the manager refused for want of a key or token: the page then asks for one. */
class Access {
  refused = $state<RpcError | undefined>(undefined);
}

export const access = new Access();
