import { invalidParams, LIST_METHODS, MCPError, MCPErrorCode, objectOf } from '@mcpman/protocol';
import type { JsonObject, ListItemKind, ServerHandshake } from '@mcpman/protocol';
import type { Implementation } from '@mcpman/shared';
import { prefixName, prefixUri } from './names.js';
import type { ClientSession } from './session.js';

/**
 * Aggregation on `/mcp`: the pure functions that merge servers' lists into one, name items after
 * their server, and rewrite what results point at so it routes back. No state, no I/O.
 */

/** An item as `/mcp` shows it: its name or URI carries the server's prefix. */
export function renameItem(kind: ListItemKind, server: string, item: JsonObject): JsonObject {
  switch (kind) {
    case 'tool':
    case 'prompt':
      return { ...item, name: prefixName(server, String(item['name'])) };
    case 'resource':
      return { ...item, uri: prefixUri(server, String(item['uri'])) };
    case 'template':
      return { ...item, uriTemplate: prefixUri(server, String(item['uriTemplate'])) };
  }
}

/** A result with content as the client sees it: on `/mcp`, its resource URIs carry the prefix. */
export function forClient(session: ClientSession, server: string, result: JsonObject): JsonObject {
  return session.scope.kind === 'all' ? rewriteUris(result, server) : result;
}

/**
 * Resource URIs inside results (`resource_link` and embedded `resource` content, prompt
 * messages) are the server's own; on `/mcp` they get the prefix that routes them back.
 */
function rewriteUris(result: JsonObject, server: string): JsonObject {
  const rewriteContent = (content: unknown): unknown => {
    if (typeof content !== 'object' || content === null) return content;
    const block = content as JsonObject;
    if (block['type'] === 'resource_link' && typeof block['uri'] === 'string')
      return { ...block, uri: prefixUri(server, block['uri']) };
    if (block['type'] === 'resource') {
      const resource = objectOf(block['resource']);
      if (typeof resource['uri'] === 'string')
        return { ...block, resource: { ...resource, uri: prefixUri(server, resource['uri']) } };
    }
    return content;
  };
  let out = result;
  if (Array.isArray(result['content'])) out = { ...out, content: result['content'].map(rewriteContent) };
  if (Array.isArray(result['contents'])) {
    out = {
      ...out,
      contents: result['contents'].map((c: unknown) => {
        const item = objectOf(c);
        return typeof item['uri'] === 'string' ? { ...item, uri: prefixUri(server, item['uri']) } : c;
      }),
    };
  }
  if (Array.isArray(result['messages'])) {
    out = {
      ...out,
      messages: result['messages'].map((m: unknown) => {
        const message = objectOf(m);
        return 'content' in message ? { ...message, content: rewriteContent(message['content']) } : m;
      }),
    };
  }
  return out;
}

type Description = { capabilities: JsonObject; serverInfo: JsonObject; instructions: string | undefined };

/**
 * What a session's endpoint is: on `/mcp` the merged gateway over `servers`, on a server's own
 * endpoint the server as it described itself (`handshake`).
 */
export function describeEndpoint(
  session: ClientSession,
  servers: readonly string[],
  handshake: (server: string) => ServerHandshake | undefined,
  serverInfo: Implementation,
): Description {
  if (session.scope.kind === 'all') return gatewayDescription({ ...serverInfo }, servers);
  return serverDescription(session.scope.server, handshake(session.scope.server), serverInfo);
}

/** What `/mcp` is to a client: the merged gateway, naming the servers it aggregates. */
function gatewayDescription(
  serverInfo: JsonObject,
  servers: readonly string[],
): { capabilities: JsonObject; serverInfo: JsonObject; instructions: string | undefined } {
  return {
    capabilities: {
      tools: { listChanged: true },
      prompts: { listChanged: true },
      resources: { subscribe: true, listChanged: true },
      logging: {},
      completions: {},
    },
    serverInfo: { ...serverInfo, title: 'MCP Server Manager gateway' },
    instructions:
      servers.length === 0
        ? undefined
        : `Tools and prompts of ${servers.join(', ')}, named <server>__<name>; resources as mcpman://<server>/<uri>.`,
  };
}

/** What a server's own endpoint is: the server as it described itself in its handshake. */
function serverDescription(
  server: string,
  handshake: ServerHandshake | undefined,
  fallback: Implementation,
): { capabilities: JsonObject; serverInfo: JsonObject; instructions: string | undefined } {
  if (handshake === undefined) {
    throw new MCPError(MCPErrorCode.ServerNotReady, `server ${server} is not ready`, {
      hint: 'It may be starting or restarting; `mcpman status` shows why. Retry shortly.',
    });
  }
  return {
    capabilities: { ...handshake.capabilities },
    serverInfo: { ...(handshake.serverInfo ?? fallback) },
    instructions: handshake.instructions,
  };
}

/**
 * One page of a list method over the servers a session sees, each item named as the session
 * sees it; tools only where `visibleTool` says. On `/mcp` a server that is down drops out of the
 * list instead of failing it.
 */
export async function mergeLists(
  session: ClientSession,
  method: string,
  cursor: unknown,
  pageSize: number,
  source: {
    readonly servers: readonly string[];
    readonly fetch: (server: string) => Promise<readonly JsonObject[]>;
    readonly visibleTool: (server: string, name: string) => boolean;
  },
): Promise<JsonObject> {
  const spec = LIST_METHODS[method];
  if (spec === undefined) throw new MCPError(MCPErrorCode.ProtocolMethodNotFound, method);
  const all: JsonObject[] = [];
  for (const server of source.servers) {
    let items: readonly JsonObject[];
    try {
      items = await source.fetch(server);
    } catch (error) {
      if (session.scope.kind === 'all') continue;
      throw error;
    }
    for (const item of items) {
      const name = typeof item['name'] === 'string' ? item['name'] : '';
      if (spec.kind === 'tool' && !source.visibleTool(server, name)) continue;
      all.push(session.scope.kind === 'all' ? renameItem(spec.kind, server, item) : item);
    }
  }
  return paginate(all, spec.key, cursor, pageSize);
}

/** One page of a merged list; the cursor is the gateway's own (an offset), opaque to clients. */
export function paginate(
  items: readonly JsonObject[],
  key: string,
  cursor: unknown,
  pageSize: number,
): JsonObject {
  let offset = 0;
  if (cursor !== undefined) {
    const decoded =
      typeof cursor === 'string'
        ? Number(Buffer.from(cursor, 'base64url').toString('utf8').replace(/^o:/, ''))
        : NaN;
    if (
      typeof cursor !== 'string' ||
      !Buffer.from(cursor, 'base64url').toString('utf8').startsWith('o:') ||
      !Number.isInteger(decoded) ||
      decoded < 0
    ) {
      throw invalidParams('invalid cursor');
    }
    offset = decoded;
  }
  const page = items.slice(offset, offset + pageSize);
  const next =
    offset + pageSize < items.length
      ? Buffer.from(`o:${offset + pageSize}`).toString('base64url')
      : undefined;
  return { [key]: page, ...(next === undefined ? {} : { nextCursor: next }) };
}
