import { MCPError, MCPErrorCode, objectOf } from '@mcpman/protocol';
import type { JsonObject } from '@mcpman/protocol';
import { invalidParams } from '@mcpman/protocol';
import { splitName, splitUri } from './names.js';
import type { ClientSession } from './session.js';

/**
 * Names and URIs as a session sees them, resolved to the server and its own name or URI. On a
 * server's endpoint they are the server's; on `/mcp` they carry the server prefix, and only a
 * server the session may see resolves (`visible`).
 */

export interface Target {
  readonly server: string;
  readonly name: string;
}

export interface UriTarget {
  readonly server: string;
  readonly uri: string;
}

/** Which server and upstream name a client-visible tool or prompt name means. */
export function resolveName(
  session: ClientSession,
  visible: readonly string[],
  name: unknown,
  what: string,
): Target {
  if (typeof name !== 'string' || name === '') throw invalidParams(`${what} name is missing`);
  if (session.scope.kind === 'server') return { server: session.scope.server, name };
  const split = splitName(name);
  if (split === undefined || !visible.includes(split.server)) {
    throw invalidParams(`unknown ${what} ${name}: aggregated names are <server>__<name>`);
  }
  return split;
}

export function resolveUri(
  session: ClientSession,
  visible: readonly string[],
  uri: unknown,
): UriTarget | undefined {
  if (typeof uri !== 'string' || uri === '') return undefined;
  if (session.scope.kind === 'server') return { server: session.scope.server, uri };
  const split = splitUri(uri);
  return split !== undefined && visible.includes(split.server) ? split : undefined;
}

export function requireUri(session: ClientSession, visible: readonly string[], uri: unknown): UriTarget {
  const target = resolveUri(session, visible, uri);
  if (target === undefined) {
    throw new MCPError(
      MCPErrorCode.ResourceNotFound,
      `unknown resource ${JSON.stringify(uri)}: aggregated URIs are mcpman://<server>/<uri>`,
    );
  }
  return target;
}

/** The one server a request names (by scope, tool or prompt name, or resource URI), if any. */
export function namedServer(
  session: ClientSession,
  method: string,
  params: Readonly<Record<string, unknown>> | undefined,
): string | undefined {
  if (session.scope.kind === 'server') return session.scope.server;
  const key = params?.[method === 'resources/read' ? 'uri' : 'name'];
  if (typeof key !== 'string') return undefined;
  return (method === 'resources/read' ? splitUri(key) : splitName(key))?.server;
}

/** The server a completion is for, and its params with the ref as the server names it. */
export function completionTarget(
  session: ClientSession,
  visible: readonly string[],
  params: JsonObject,
): { server: string; params: JsonObject } {
  const ref = objectOf(params['ref']);
  if (ref['type'] === 'ref/prompt') {
    const { server, name } = resolveName(session, visible, ref['name'], 'prompt');
    return { server, params: { ...params, ref: { ...ref, name } } };
  }
  if (ref['type'] === 'ref/resource') {
    const { server, uri } = requireUri(session, visible, ref['uri']);
    return { server, params: { ...params, ref: { ...ref, uri } } };
  }
  throw invalidParams('completion/complete needs ref of type ref/prompt or ref/resource');
}
