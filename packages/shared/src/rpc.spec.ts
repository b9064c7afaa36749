import { afterEach, describe, expect, it, vi } from 'vitest';
import type { McpManagerApi, Overview } from './api.js';
import { RpcClient, RpcError, dispatchRpc } from './rpc.js';
import type { RpcRequest, RpcResponse, RpcTransport } from './rpc.js';

const overview: Overview = {
  version: '0.1.0',
  configPath: '/x/mcpman.yaml',
  servers: [],
  figures: {},
  endpoints: {},
  others: [],
  notices: [],
};

/** A backend behind a transport that answers asynchronously, as postMessage does. */
function loopback(impl: Partial<McpManagerApi>): {
  transport: RpcTransport;
  push: (message: unknown) => void;
} {
  const listeners = new Set<(message: unknown) => void>();
  const push = (message: unknown): void => {
    for (const listener of listeners) listener(message);
  };
  return {
    push,
    transport: {
      send: (request: RpcRequest) => {
        void dispatchRpc(request, impl as McpManagerApi, (error) => ({
          code: 'FAILED',
          message: error instanceof Error ? error.message : String(error),
        })).then((response: RpcResponse) => {
          queueMicrotask(() => {
            push(response);
          });
        });
        return Promise.resolve(undefined);
      },
      onMessage: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    },
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('typed RPC', () => {
  it('resolves a call with the backend result', async () => {
    const { transport } = loopback({ getOverview: () => Promise.resolve(overview) });
    const client = new RpcClient(transport);
    await expect(client.api.getOverview()).resolves.toEqual(overview);
  });

  it('rejects with the backend error code and message', async () => {
    const { transport } = loopback({ restartServer: () => Promise.reject(new Error('no server named "x"')) });
    const client = new RpcClient(transport);
    const failure = await client.api.restartServer('x').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RpcError);
    expect(failure).toMatchObject({ code: 'FAILED', message: 'no server named "x"' });
  });

  it('times out a call nobody answers, with a clear error', async () => {
    vi.useFakeTimers();
    const client = new RpcClient(
      { send: () => Promise.resolve(undefined), onMessage: () => () => undefined },
      { defaultMs: 1000 },
    );
    const call = client.api.getOverview().catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(1001);
    expect(await call).toMatchObject({
      code: 'RPC_TIMEOUT',
      message: 'getOverview got no answer within 1 s',
    });
  });

  it('reports a transport that fails to send', async () => {
    const client = new RpcClient({
      send: () => Promise.reject(new Error('connection refused')),
      onMessage: () => () => undefined,
    });
    await expect(client.api.getOverview()).rejects.toMatchObject({ code: 'RPC_TRANSPORT' });
  });

  it('hands pushed events to listeners', () => {
    const { transport, push } = loopback({});
    const client = new RpcClient(transport);
    const seen: unknown[] = [];
    client.onEvent((event) => seen.push(event));
    const event = {
      type: 'server.state',
      server: 'a',
      state: 'ready',
      previous: 'starting',
      reason: 'ok',
      at: 1,
    };
    push({ kind: 'rpc-event', event });
    push({ kind: 'something-else' });
    expect(seen).toEqual([event]);
  });

  it('refuses unknown methods and malformed requests without calling anything', async () => {
    const impl = { getOverview: vi.fn() };
    const toError = (): { code: string; message: string } => ({ code: 'X', message: 'x' });
    const unknown = await dispatchRpc(
      { kind: 'rpc-request', id: 4, method: 'constructor', args: [] },
      impl as unknown as McpManagerApi,
      toError,
    );
    expect(unknown).toMatchObject({ id: 4, ok: false, error: { code: 'RPC_INVALID_REQUEST' } });
    const malformed = await dispatchRpc('nonsense', impl as unknown as McpManagerApi, toError);
    expect(malformed).toMatchObject({ id: -1, ok: false, error: { code: 'RPC_INVALID_REQUEST' } });
    expect(impl.getOverview).not.toHaveBeenCalled();
  });

  it('turns anything thrown into an RpcError, keeping one that already is', () => {
    const original = new RpcError({ code: 'SERVER_NOT_FOUND', message: 'no server named "x"' });
    expect(RpcError.from(original)).toBe(original);
    expect(RpcError.from(new Error('boom'))).toMatchObject({ code: 'UNKNOWN', message: 'boom' });
    expect(RpcError.from('plain')).toMatchObject({ code: 'UNKNOWN', message: 'plain' });
  });
});
