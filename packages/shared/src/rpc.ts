import { z } from 'zod';
import { API_METHODS, LONG_METHODS } from './api.js';
import type { ApiMethod, McpManagerApi } from './api.js';
import type { ManagerEvent } from './contract/index.js';

/** How long a call may take before the client gives up, unless LONG_METHODS says otherwise. */
export const DEFAULT_TIMEOUT_MS = 10_000;

export const RpcRequestSchema = z.strictObject({
  kind: z.literal('rpc-request'),
  id: z.number().int().nonnegative(),
  method: z.enum(API_METHODS as [ApiMethod, ...ApiMethod[]]),
  args: z.array(z.unknown()).max(8),
});
export type RpcRequest = z.infer<typeof RpcRequestSchema>;

export const RpcErrorBodySchema = z.object({
  code: z.string(),
  message: z.string(),
  hint: z.string().optional(),
});
export type RpcErrorBody = z.infer<typeof RpcErrorBodySchema>;

export const RpcResponseSchema = z.union([
  z.object({ kind: z.literal('rpc-response'), id: z.number(), ok: z.literal(true), result: z.unknown() }),
  z.object({
    kind: z.literal('rpc-response'),
    id: z.number(),
    ok: z.literal(false),
    error: RpcErrorBodySchema,
  }),
]);
export type RpcResponse = z.infer<typeof RpcResponseSchema>;

/** A manager event pushed to the UI (the bus, as `/api/v1/events` streams it). */
export const RpcEventSchema = z.object({
  kind: z.literal('rpc-event'),
  event: z.looseObject({ type: z.string() }),
});

/** A failed call: the backend's error code and message, or the client's own (timeout, transport). */
export class RpcError extends Error {
  readonly code: string;
  readonly hint: string | undefined;

  constructor(body: RpcErrorBody) {
    super(body.message);
    this.name = 'RpcError';
    this.code = body.code;
    this.hint = body.hint;
  }

  /** Whatever a call threw, as an RpcError (the UI shows code, message and hint). */
  static from(error: unknown): RpcError {
    if (error instanceof RpcError) return error;
    return new RpcError({ code: 'UNKNOWN', message: error instanceof Error ? error.message : String(error) });
  }
}

/** Carries requests to a backend and events back; one per medium (postMessage, HTTP). */
export interface RpcTransport {
  /** Send one request; the response arrives through `onMessage` (or as the return value). */
  send(request: RpcRequest): Promise<RpcResponse | undefined>;
  /** Subscribe to responses and events the backend pushes. Returns an unsubscribe function. */
  onMessage(listener: (message: unknown) => void): () => void;
}

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: RpcError) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

type Args<M extends ApiMethod> = Parameters<McpManagerApi[M]>;
type Result<M extends ApiMethod> = Awaited<ReturnType<McpManagerApi[M]>>;

/**
 * The UI's side: `client.api.getOverview()` sends a request and resolves with the typed
 * result, or rejects with an RpcError, at the latest when the method's timeout passes.
 */
export class RpcClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly eventListeners = new Set<(event: ManagerEvent) => void>();
  private readonly unsubscribe: () => void;
  readonly api: McpManagerApi;

  constructor(
    private readonly transport: RpcTransport,
    private readonly timeouts: { readonly defaultMs?: number } = {},
  ) {
    this.unsubscribe = transport.onMessage((message) => {
      this.receive(message);
    });
    const api: Partial<Record<ApiMethod, (...args: unknown[]) => Promise<unknown>>> = {};
    for (const method of API_METHODS) api[method] = (...args: unknown[]) => this.call(method, args);
    this.api = api as unknown as McpManagerApi;
  }

  call<M extends ApiMethod>(method: M, args: Args<M> | unknown[]): Promise<Result<M>> {
    const id = this.nextId++;
    const timeoutMs = LONG_METHODS[method] ?? this.timeouts.defaultMs ?? DEFAULT_TIMEOUT_MS;
    return new Promise<Result<M>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          new RpcError({
            code: 'RPC_TIMEOUT',
            message: `${method} got no answer within ${Math.round(timeoutMs / 1000)} s`,
            hint: 'The manager may be busy or gone; check that it is running, then retry.',
          }),
        );
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
      this.transport.send({ kind: 'rpc-request', id, method, args: [...args] }).then(
        (response) => {
          if (response !== undefined) this.receive(response);
        },
        (error: unknown) => {
          this.settle(id, {
            kind: 'rpc-response',
            id,
            ok: false,
            error: {
              code: 'RPC_TRANSPORT',
              message: `could not reach the manager: ${error instanceof Error ? error.message : String(error)}`,
              hint: 'Check that `mcpman up` (or the extension) is running.',
            },
          });
        },
      );
    });
  }

  onEvent(listener: (event: ManagerEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  dispose(): void {
    this.unsubscribe();
    for (const [id] of this.pending)
      this.settle(id, {
        kind: 'rpc-response',
        id,
        ok: false,
        error: { code: 'RPC_CLOSED', message: 'the dashboard connection closed' },
      });
  }

  private receive(message: unknown): void {
    const response = RpcResponseSchema.safeParse(message);
    if (response.success) {
      this.settle(response.data.id, response.data);
      return;
    }
    const event = RpcEventSchema.safeParse(message);
    if (event.success) {
      for (const listener of this.eventListeners) listener(event.data.event as unknown as ManagerEvent);
    }
  }

  private settle(id: number, response: RpcResponse): void {
    const pending = this.pending.get(id);
    if (pending === undefined) return;
    this.pending.delete(id);
    clearTimeout(pending.timer);
    if (response.ok) pending.resolve(response.result);
    else pending.reject(new RpcError(response.error));
  }
}

/** How a backend turns a thrown error into the error body the UI shows. */
export type ErrorMapper = (error: unknown) => RpcErrorBody;

/** The id of a request, as far as a message that may be malformed has one (-1 otherwise). */
export function requestIdOf(message: unknown): number {
  const id = typeof message === 'object' && message !== null && 'id' in message ? message.id : undefined;
  return typeof id === 'number' ? id : -1;
}

/**
 * The backend's side: validates a request (unknown methods and malformed messages are refused,
 * never dispatched) and runs it on the implementation.
 */
export async function dispatchRpc(
  message: unknown,
  impl: McpManagerApi,
  toError: ErrorMapper,
): Promise<RpcResponse> {
  const parsed = RpcRequestSchema.safeParse(message);
  if (!parsed.success) {
    return {
      kind: 'rpc-response',
      id: requestIdOf(message),
      ok: false,
      error: { code: 'RPC_INVALID_REQUEST', message: `invalid request: ${z.prettifyError(parsed.error)}` },
    };
  }
  const { id, method, args } = parsed.data;
  try {
    const fn = Reflect.get(impl, method) as (...a: unknown[]) => Promise<unknown>;
    const result: unknown = await Reflect.apply(fn, impl, args);
    return { kind: 'rpc-response', id, ok: true, result: result ?? null };
  } catch (error) {
    return { kind: 'rpc-response', id, ok: false, error: toError(error) };
  }
}
