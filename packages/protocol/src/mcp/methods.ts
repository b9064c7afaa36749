import { SESSION_ERA_VERSIONS } from './mcp.js';

/*
 * MCP's methods as the gateway treats them, in one place: which era has which, which carry
 * input or a cache hint, what lists hold, and what a server may ask a client. Transports, the
 * era objects, aggregation, the hub and the metrics read these rather than keep their own.
 */

/** Session-era revisions a client may ask for (plus the 2024-10-07 draft some clients still send). */
export const ACCEPTED_SESSION_VERSIONS: ReadonlySet<string> = new Set<string>([
  ...SESSION_ERA_VERSIONS,
  '2024-10-07',
]);

/** Every client-to-server request method of either era. */
export const REQUEST_METHODS: ReadonlySet<string> = new Set([
  'initialize',
  'ping',
  'server/discover',
  'subscriptions/listen',
  'logging/setLevel',
  'tools/list',
  'tools/call',
  'prompts/list',
  'prompts/get',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'resources/subscribe',
  'resources/unsubscribe',
  'completion/complete',
]);

/** Methods the 2026-07-28 revision removed: unknown on its wire. */
export const REMOVED_IN_STATELESS: ReadonlySet<string> = new Set([
  'initialize',
  'notifications/initialized',
  'ping',
  'logging/setLevel',
  'resources/subscribe',
  'resources/unsubscribe',
]);

/** Methods the 2026-07-28 revision added: unknown on a session-era wire. */
export const ADDED_IN_STATELESS: ReadonlySet<string> = new Set(['subscriptions/listen']);

/**
 * Requests that change what a session holds (its log level, its subscriptions): they need a
 * session, which a 2026-07-28 request (and a gRPC per-kind call) does not have.
 */
export const SESSION_ONLY: ReadonlySet<string> = new Set(
  [...REMOVED_IN_STATELESS].filter(
    (method) => REQUEST_METHODS.has(method) && method !== 'initialize' && method !== 'ping',
  ),
);

/** Requests that may need input from the client mid-call (2026-07-28 InputRequiredResult). */
export const INPUT_METHODS: ReadonlySet<string> = new Set(['tools/call', 'prompts/get', 'resources/read']);

/** Results 2026-07-28 clients may cache carry `ttlMs` and `cacheScope` (SEP-2549). */
export const CACHEABLE: ReadonlySet<string> = new Set([
  'tools/list',
  'prompts/list',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'server/discover',
]);

export type ListItemKind = 'tool' | 'prompt' | 'resource' | 'template';

/** The list methods, the key their items come under, and what kind of item that is. */
export const LIST_METHODS: Readonly<Record<string, { readonly key: string; readonly kind: ListItemKind }>> = {
  'tools/list': { key: 'tools', kind: 'tool' },
  'prompts/list': { key: 'prompts', kind: 'prompt' },
  'resources/list': { key: 'resources', kind: 'resource' },
  'resources/templates/list': { key: 'resourceTemplates', kind: 'template' },
};

/** Server-to-client requests and the client capability each needs. */
export const SERVER_REQUEST_CAPABILITY: Readonly<Record<string, string>> = {
  'sampling/createMessage': 'sampling',
  'elicitation/create': 'elicitation',
  'roots/list': 'roots',
};
