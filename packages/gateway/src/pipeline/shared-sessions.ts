import * as z from 'zod';
import type { Disposable } from '@mcpman/protocol';
import { ClientSession, isLogLevel } from './session.js';
import type { ClientTransportKind } from './session.js';

/**
 * What a replica needs to serve a session-era session another replica opened: who opened it,
 * where, and what initialize negotiated. Upstream sessions are not in it: each replica opens its
 * own as needed. Resource subscriptions are not carried over (the client subscribes again).
 */
const SharedSessionSchema = z.object({
  id: z.string().min(1),
  transport: z.literal('streamable-http'),
  scope: z.union([
    z.object({ kind: z.literal('all') }),
    z.object({ kind: z.literal('server'), server: z.string() }),
  ]),
  identity: z.object({
    name: z.string(),
    kind: z.enum(['anonymous', 'token', 'oauth', 'certificate', 'local']),
    servers: z.array(z.string()).optional(),
    tools: z.array(z.string()).optional(),
    admin: z.boolean(),
  }),
  protocolVersion: z.string().optional(),
  clientInfo: z.object({ name: z.string(), version: z.string(), title: z.string().optional() }).optional(),
  clientCapabilities: z.record(z.string(), z.unknown()),
  logLevel: z.string().optional(),
  initialized: z.boolean(),
});

export type SharedSessionRecord = z.infer<typeof SharedSessionSchema>;

/**
 * Where a gateway cluster keeps its session-era sessions (Redis), so any replica serves a
 * session whichever opened it. Failures throw STATE_UNAVAILABLE.
 */
export interface SharedSessions {
  save(record: SharedSessionRecord): Promise<void>;
  /** The record of session `id`, if one is stored and well-formed. */
  load(id: string): Promise<SharedSessionRecord | undefined>;
  /** Keep session `id` alive (it is in use on some replica). */
  touch(id: string): Promise<void>;
  /** End session `id` everywhere: every replica that has it closes its copy (see onEnded). */
  remove(id: string): Promise<void>;
  /** Sessions a client ended on any replica (DELETE), as they are ended. */
  onEnded(listener: (id: string) => void): Disposable;
}

/** The shareable part of `session`, or undefined for sessions that are not shared. */
export function sharedRecord(session: ClientSession): SharedSessionRecord | undefined {
  if (session.transport !== 'streamable-http' || session.requestScoped || session.era !== 'session')
    return undefined;
  return {
    id: session.id,
    transport: session.transport,
    scope: session.scope,
    identity: {
      name: session.identity.name,
      kind: session.identity.kind,
      admin: session.identity.admin,
      ...(session.identity.servers === undefined ? {} : { servers: [...session.identity.servers] }),
      ...(session.identity.tools === undefined ? {} : { tools: [...session.identity.tools] }),
    },
    ...(session.protocolVersion === undefined ? {} : { protocolVersion: session.protocolVersion }),
    ...(session.clientInfo === undefined ? {} : { clientInfo: session.clientInfo }),
    clientCapabilities: session.clientCapabilities,
    ...(session.logLevel === undefined ? {} : { logLevel: session.logLevel }),
    initialized: session.initialized,
  };
}

/** A stored record, checked at the boundary (it comes from outside this process). */
export function parseSharedRecord(value: unknown): SharedSessionRecord | undefined {
  const parsed = SharedSessionSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** This replica's ClientSession for a session another replica opened. */
export function restoreSession(record: SharedSessionRecord): ClientSession {
  const transport: ClientTransportKind = record.transport;
  const session = new ClientSession(transport, record.scope, record.identity, record.id);
  session.protocolVersion = record.protocolVersion;
  session.clientInfo = record.clientInfo;
  session.clientCapabilities = record.clientCapabilities;
  session.logLevel = isLogLevel(record.logLevel) ? record.logLevel : undefined;
  session.initialized = record.initialized;
  return session;
}
