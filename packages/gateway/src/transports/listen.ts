import type { IncomingMessage, ServerResponse } from 'node:http';
import { META } from '@mcpman/core';
import type { JsonObject, JsonRpcMessage, JsonRpcRequest } from '@mcpman/core';
import { openSse } from '../http/sse.js';
import type { SseStream } from '../http/sse.js';
import type { Gateway } from '../pipeline/gateway.js';
import type { ClientSession } from '../pipeline/session.js';

interface Listener {
  readonly session: ClientSession;
  readonly request: JsonRpcRequest;
  readonly stream: SseStream;
}

const LIST_FILTERS: Readonly<Record<string, string>> = {
  'notifications/tools/list_changed': 'toolsListChanged',
  'notifications/prompts/list_changed': 'promptsListChanged',
  'notifications/resources/list_changed': 'resourcesListChanged',
};

/**
 * 2026-07-28 `subscriptions/listen`: one long-lived POST per subscription. The first message
 * acknowledges what is honoured; list changes and resource updates follow, each tagged with the
 * listen request's id; a graceful end is the response to the listen request.
 */
export class ListenRegistry {
  private readonly listeners = new Set<Listener>();

  constructor(private readonly gateway: Gateway) {}

  open(
    req: IncomingMessage,
    res: ServerResponse,
    session: ClientSession,
    request: JsonRpcRequest,
    options: { heartbeatMs: number; gzip: boolean },
  ): void {
    const asked = (request.params?.['notifications'] ?? {}) as JsonObject;
    const stream = openSse(res, { heartbeatMs: options.heartbeatMs, gzip: options.gzip });
    const listener: Listener = { session, request, stream };
    this.listeners.add(listener);
    const tag = (message: JsonRpcMessage): JsonRpcMessage => {
      const params = 'params' in message && message.params !== undefined ? message.params : {};
      const meta = (params['_meta'] ?? {}) as JsonObject;
      return {
        ...message,
        params: { ...params, _meta: { ...meta, [META.subscriptionId]: request.id } },
      };
    };
    void (async () => {
      const honoured: JsonObject = {};
      for (const key of ['toolsListChanged', 'promptsListChanged', 'resourcesListChanged'])
        if (asked[key] === true) honoured[key] = true;
      const uris = Array.isArray(asked['resourceSubscriptions'])
        ? asked['resourceSubscriptions'].filter((u): u is string => typeof u === 'string')
        : [];
      const subscribed: string[] = [];
      for (const uri of uris) {
        if (await this.gateway.subscribeUri(session, uri)) subscribed.push(uri);
      }
      if (uris.length > 0) honoured['resourceSubscriptions'] = subscribed;
      stream.send(
        'message',
        JSON.stringify(
          tag({
            jsonrpc: '2.0',
            method: 'notifications/subscriptions/acknowledged',
            params: { notifications: honoured },
          }),
        ),
      );
      session.attach((message) => {
        if ('method' in message) {
          const filter = LIST_FILTERS[message.method];
          if (filter !== undefined && honoured[filter] !== true) return;
        }
        stream.send('message', JSON.stringify(tag(message)));
      });
    })();
    stream.onClose(() => {
      this.listeners.delete(listener);
      session.close();
    });
    req.on('close', () => {
      stream.close();
    });
  }

  /** End every subscription gracefully (the listen request's response), e.g. at shutdown. */
  close(): void {
    for (const { request, stream, session } of [...this.listeners]) {
      stream.send(
        'message',
        JSON.stringify({
          jsonrpc: '2.0',
          id: request.id,
          result: { _meta: { [META.subscriptionId]: request.id } },
        }),
      );
      stream.close();
      session.close();
    }
    this.listeners.clear();
  }
}
