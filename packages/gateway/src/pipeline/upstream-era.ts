import { META } from '@mcpman/core';
import type { JsonObject } from '@mcpman/core';
import type { ClientSession } from './session.js';

/**
 * The upstream-facing `_meta` rules. The gateway speaks for its clients upstream, so the
 * client's own envelope never goes through as it is: it is stripped for every server, and a
 * stateless-era server gets the gateway's envelope instead, with what it must learn of the
 * client per request (its capabilities and log level) and the trace context. The handshake's
 * envelope (`modernMeta`) is core's, beside the handshake.
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
