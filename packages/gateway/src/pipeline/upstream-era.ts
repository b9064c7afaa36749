import { META } from '@mcpman/protocol';
import type { JsonObject, JsonRpcNotification, McpPeer, ProtocolEra } from '@mcpman/protocol';
import type { ClientSession } from './session.js';
import { UpstreamListen } from './upstream-listen.js';

/**
 * The upstream-facing rules of each protocol era: `_meta`, input, log levels, subscriptions.
 *
 * `_meta`: the gateway speaks for its clients upstream, so the
 * client's own envelope never goes through as it is: it is stripped for every server, and a
 * stateless-era server gets the gateway's envelope instead, with what it must learn of the
 * client per request (its capabilities and log level) and the trace context. The envelope itself
 * is built and read in one place, `@mcpman/protocol`'s `mcp/envelope.ts`.
 */

const CLIENT_ENVELOPE = new Set<string>([
  META.protocolVersion,
  META.clientCapabilities,
  META.clientInfo,
  META.logLevel,
]);

/** A client's params without its envelope keys, which are the client's business, not ours. */
export function stripClientEnvelope(params: JsonObject): JsonObject {
  const meta = params['_meta'];
  if (typeof meta !== 'object' || meta === null) return params;
  const kept = Object.fromEntries(
    Object.entries(meta as JsonObject).filter(([key]) => !CLIENT_ENVELOPE.has(key)),
  );
  const { _meta: _dropped, ...rest } = params;
  return Object.keys(kept).length === 0 ? rest : { ...rest, _meta: kept };
}

/** What a stateless-era server learns of the client per request. */
export function statelessEnvelope(
  params: JsonObject | undefined,
  session: ClientSession,
  traceContext: Readonly<Record<string, string>> = {},
): JsonObject {
  const own = params?.['_meta'];
  return {
    ...params,
    _meta: {
      ...(typeof own === 'object' && own !== null ? own : {}),
      ...traceContext,
      [META.clientCapabilities]: session.clientCapabilities,
      ...(session.logLevel === undefined ? {} : { [META.logLevel]: session.logLevel }),
    },
  };
}

/**
 * How one upstream session learns of resource subscriptions and sends its notifications. A
 * session-era server gets `resources/subscribe` and `unsubscribe` requests and notifies on its
 * session; a stateless-era server is told everything on one `subscriptions/listen` request,
 * replaced when the subscriptions change.
 */
export interface UpstreamSubscriptions {
  /** `uri` got its first subscriber (already in the hub's list); `send` asks the server for the caller. */
  added(uri: string, send: UpstreamSend): Promise<void>;
  /** `uri` lost its last subscriber; `send` is undefined when no client is waiting for the answer. */
  removed(uri: string, send: UpstreamSend | undefined): Promise<void>;
  /** A notification from the server as clients should see it; undefined when it is not for them. */
  accept(notification: JsonRpcNotification): JsonRpcNotification | undefined;
  stop(): void;
}

export type UpstreamSend = (method: string, params: JsonObject) => Promise<unknown>;

/** The upstream-facing rules of one protocol era, chosen once per upstream session. */
export interface UpstreamEra {
  readonly name: ProtocolEra;
  /** The params of a request as this server must get them. */
  envelope(
    params: JsonObject | undefined,
    session: ClientSession,
    traceContext: Readonly<Record<string, string>> | undefined,
  ): JsonObject | undefined;
  /** Whether the server takes `logging/setLevel`; otherwise the level goes with each request. */
  readonly setsLogLevel: boolean;
  /** Subscriptions for a new upstream session, told the resources `subscribed` so far. */
  subscriptions(peer: McpPeer, subscribed: () => readonly string[]): UpstreamSubscriptions;
}

export const SESSION_UPSTREAM: UpstreamEra = {
  name: 'session',
  envelope: (params) => params,
  setsLogLevel: true,
  subscriptions: (peer, subscribed) => {
    // A new upstream session (a restart) knows nothing of the old one's subscriptions.
    for (const uri of subscribed()) void peer.request('resources/subscribe', { uri }).catch(() => undefined);
    return {
      added: async (uri, send) => {
        await send('resources/subscribe', { uri });
      },
      removed: async (uri, send) => {
        if (send !== undefined) await send('resources/unsubscribe', { uri });
        else void peer.request('resources/unsubscribe', { uri }).catch(() => undefined);
      },
      accept: (notification) => notification,
      stop: () => undefined,
    };
  },
};

export const STATELESS_UPSTREAM: UpstreamEra = {
  name: 'stateless',
  envelope: (params, session, traceContext) => statelessEnvelope(params, session, traceContext),
  setsLogLevel: false,
  subscriptions: (peer, subscribed) => {
    const listen = new UpstreamListen(peer, subscribed);
    void listen.refresh();
    return {
      added: () => listen.refresh(),
      removed: () => listen.refresh(),
      accept: (notification) => listen.accept(notification),
      stop: () => {
        listen.stop();
      },
    };
  },
};

export function upstreamEra(era: ProtocolEra | undefined): UpstreamEra {
  return era === 'stateless' ? STATELESS_UPSTREAM : SESSION_UPSTREAM;
}
