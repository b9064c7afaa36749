import { Cancellation } from '@mcpman/protocol';
import { describe, expect, it, vi } from 'vitest';
import { ClientSession, statelessSession } from './session.js';
import type { Identity } from './session.js';
import { SessionRegistry } from './session-registry.js';

const ALL = { kind: 'all' } as const;
const alice: Identity = { name: 'alice', kind: 'token', admin: false };
const bob: Identity = { name: 'bob', kind: 'token', admin: false };

function registered(registry: SessionRegistry, session: ClientSession): ClientSession {
  registry.add(session, () => undefined);
  return session;
}

describe('SessionRegistry', () => {
  it('finds a session only on its own transport, scope and identity', () => {
    const registry = new SessionRegistry();
    const session = registered(registry, new ClientSession('streamable-http', ALL, alice));
    expect(registry.find(session.id, { transport: 'streamable-http', scope: ALL, identity: alice })).toBe(
      session,
    );
    expect(registry.find(session.id, { transport: 'grpc', scope: ALL, identity: alice })).toBeUndefined();
    expect(
      registry.find(session.id, { transport: 'streamable-http', scope: { kind: 'server', server: 'x' } }),
    ).toBeUndefined();
    expect(registry.find(session.id, { transport: 'streamable-http', identity: bob })).toBeUndefined();
    // Without authentication there is no identity to compare.
    expect(registry.find(session.id, { transport: 'streamable-http', scope: ALL })).toBe(session);
    expect(registry.find('no-such-id', { transport: 'streamable-http' })).toBeUndefined();
  });

  it('tells server scopes apart by server', () => {
    const registry = new SessionRegistry();
    const scope = { kind: 'server', server: 'memory' } as const;
    const session = registered(registry, new ClientSession('sse', scope));
    expect(registry.find(session.id, { transport: 'sse', scope: { kind: 'server', server: 'memory' } })).toBe(
      session,
    );
    expect(
      registry.find(session.id, { transport: 'sse', scope: { kind: 'server', server: 'other' } }),
    ).toBeUndefined();
    expect(registry.find(session.id, { transport: 'sse', scope: ALL })).toBeUndefined();
  });

  it('never hands out a request-scoped session by id, nor counts it', () => {
    const registry = new SessionRegistry();
    const session = registered(
      registry,
      statelessSession('streamable-http', ALL, undefined, '2026-07-28', {}),
    );
    expect(registry.find(session.id, { transport: 'streamable-http' })).toBeUndefined();
    expect(registry.counts()['streamable-http']).toBe(0);
    expect(registry.size).toBe(1);
  });

  it('forgets a session when it closes, however it closes, and says so once', () => {
    const registry = new SessionRegistry();
    const forgotten = vi.fn();
    const session = new ClientSession('websocket', ALL);
    registry.add(session, forgotten);
    session.close();
    session.close();
    expect(forgotten).toHaveBeenCalledTimes(1);
    expect(registry.size).toBe(0);
    expect([...registry]).toEqual([]);
  });

  it('counts open sessions by transport, every transport named', () => {
    const registry = new SessionRegistry();
    registered(registry, new ClientSession('grpc', ALL));
    registered(registry, new ClientSession('grpc', ALL));
    registered(registry, new ClientSession('sse', ALL));
    expect(registry.counts()).toEqual({
      'streamable-http': 0,
      sse: 1,
      websocket: 0,
      grpc: 2,
      stdio: 0,
      dashboard: 0,
    });
  });

  it('expires idle sessions of one transport, not busy ones or those with a call running', () => {
    const registry = new SessionRegistry();
    const idle = registered(registry, new ClientSession('streamable-http', ALL));
    const streaming = registered(registry, new ClientSession('streamable-http', ALL));
    const calling = registered(registry, new ClientSession('streamable-http', ALL));
    const otherTransport = registered(registry, new ClientSession('grpc', ALL));
    const fresh = registered(registry, new ClientSession('streamable-http', ALL));
    for (const session of [idle, streaming, calling, otherTransport])
      session.lastActivity = Date.now() - 10_000;
    calling.inflight.set(1, new Cancellation());
    registry.expireIdle('streamable-http', 5_000, (session) => session === streaming);
    expect([idle, streaming, calling, otherTransport, fresh].map((s) => s.closed)).toEqual([
      true,
      false,
      false,
      false,
      false,
    ]);
  });

  it('closes one transport’s sessions, or all of them', () => {
    const registry = new SessionRegistry();
    const http = registered(registry, new ClientSession('streamable-http', ALL));
    const grpc = registered(registry, new ClientSession('grpc', ALL));
    registry.closeAll('grpc');
    expect([http.closed, grpc.closed]).toEqual([false, true]);
    registry.closeAll();
    expect(http.closed).toBe(true);
    expect(registry.size).toBe(0);
  });

  it('caps the sessions one identity, and all of them, may hold; a closed one frees its place', () => {
    const registry = new SessionRegistry(undefined, 60_000, {
      total: 3,
      perIdentity: 2,
      subscriptionsPerSession: 10,
    });
    const first = registered(registry, new ClientSession('websocket', ALL, alice));
    registered(registry, new ClientSession('sse', ALL, alice));
    expect(() => registered(registry, new ClientSession('grpc', ALL, alice))).toThrow(
      expect.objectContaining({ code: 'LIMIT_EXCEEDED' }),
    );
    // A stateless request's throwaway session is not counted.
    registered(registry, statelessSession('streamable-http', ALL, alice, '2026-07-28', {}));
    registered(registry, new ClientSession('grpc', ALL, bob));
    expect(() => registered(registry, new ClientSession('grpc', ALL, bob))).toThrow(/3 sessions, its limit/);
    first.close();
    expect(() => registered(registry, new ClientSession('grpc', ALL, alice))).not.toThrow();
  });

  it('authorizes each request with its own identity: the latest grants replace those of the start', () => {
    const registry = new SessionRegistry();
    const session = registered(registry, new ClientSession('streamable-http', ALL, alice));
    const narrowed: Identity = { ...alice, servers: ['memory'] };
    expect(registry.find(session.id, { transport: 'streamable-http', identity: narrowed })).toBe(session);
    expect(session.identity.servers).toEqual(['memory']);
    // Another name never takes a session over, nor changes it.
    expect(registry.find(session.id, { transport: 'streamable-http', identity: bob })).toBeUndefined();
    expect(session.identity).toBe(narrowed);
  });
});
