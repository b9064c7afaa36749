import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JsonRpcMessage, JsonRpcResponse } from '@mcpman/protocol';
import { openSse } from '../http/sse.js';
import { chooseEncoding, writeJsonBody } from '../http/rpc-response.js';
import type { Encoding } from '../http/rpc-response.js';
import { ResumableStream } from './event-store.js';
import type { SharedEventLog } from './shared-events.js';
import { accepts, rateLimitStatus } from './http-common.js';

/** What a POST's answer needs of its transport. */
export interface ResponderOptions {
  readonly compression: boolean;
  readonly heartbeatMs: number;
  /** Events kept per stream for Last-Event-ID resumption. */
  readonly maxEvents: number;
  /** A cluster's shared log of POST streams (session era only). */
  readonly sharedEvents?: SharedEventLog | undefined;
}

export interface Responder {
  emit: (message: JsonRpcMessage) => void;
  finish: (responses: JsonRpcResponse[], batch: boolean) => void;
  readonly streaming: boolean;
}

/**
 * Answer a POST with JSON, or with SSE once something has to stream before the response
 * (progress, a server-to-client request) and the client accepts SSE.
 */
export function responder(
  options: ResponderOptions,
  req: IncomingMessage,
  res: ServerResponse,
  headers: Readonly<Record<string, string>>,
  owner: { readonly sessionId: string; readonly requestIds: readonly (string | number)[] } | undefined,
  /** Keep the stream for resumption; returns what to do once its response was delivered. */
  register: (stream: ResumableStream) => (() => void) | undefined,
): Responder {
  const encoding: Encoding = chooseEncoding(req, options.compression);
  const canStream = accepts(req, 'text/event-stream');
  const wantsJson = accepts(req, 'application/json');
  let stream: ResumableStream | undefined;
  const open = (): ResumableStream => {
    if (stream !== undefined) return stream;
    const id = randomUUID();
    const shared = owner === undefined ? undefined : options.sharedEvents;
    if (shared !== undefined && owner !== undefined) shared.open({ streamId: id, ...owner });
    stream = new ResumableStream(
      id,
      options.maxEvents,
      false,
      shared === undefined
        ? undefined
        : (seq, message, final) => {
            shared.append(id, seq, message, final);
          },
      // Called only once the response went out, after `delivered` is set below.
      () => {
        delivered?.();
      },
    );
    const delivered = register(stream);
    // Not gzipped: a POST's stream is short and mostly small, and a zlib context per request
    // costs native memory that a busy session would pile up faster than it is returned.
    stream.connect(openSse(res, { heartbeatMs: options.heartbeatMs, headers }), 0);
    stream.prime();
    return stream;
  };
  if (!wantsJson) open();
  return {
    emit: (message) => {
      if (canStream) open().send(message);
    },
    finish: (responses, batch) => {
      if (stream !== undefined) {
        responses.forEach((response, index) => {
          if (index === responses.length - 1) stream?.finish(response);
          else stream?.send(response);
        });
        return;
      }
      const limited = batch ? undefined : rateLimitStatus(responses[0]);
      writeJsonBody(res, limited?.status ?? 200, batch ? responses : responses[0], encoding, {
        ...headers,
        ...limited?.headers,
      });
    },
    get streaming() {
      return stream !== undefined;
    },
  };
}
