import { META } from '@mcpman/protocol';
import type { Cancellation, JsonObject, JsonRpcId, JsonRpcMessage } from '@mcpman/protocol';
import type { ClientSession } from './session.js';

const LIST_FILTERS: Readonly<Record<string, string>> = {
  'notifications/tools/list_changed': 'toolsListChanged',
  'notifications/prompts/list_changed': 'promptsListChanged',
  'notifications/resources/list_changed': 'resourcesListChanged',
};

/** Subscribe `session` to `uri` as it names it; false when it cannot be. */
type SubscribeUri = (session: ClientSession, uri: string) => Promise<boolean>;

/**
 * 2026-07-28 `subscriptions/listen`, on whatever transport carries it: one long-lived request
 * per subscription. The first message acknowledges what is honoured; list changes and resource
 * updates follow, each tagged with the listen request's id; the request's response is the
 * graceful end (the gateway closing), and the transport giving up on it (the client went) ends
 * it without one.
 */
export class ListenStreams {
  private readonly ending = new Set<() => void>();

  constructor(private readonly subscribeUri: SubscribeUri) {}

  async serve(
    session: ClientSession,
    id: JsonRpcId,
    params: JsonObject,
    emit: (message: JsonRpcMessage) => void,
    cancellation: Cancellation | undefined,
  ): Promise<JsonObject> {
    const tag = (message: JsonRpcMessage): JsonRpcMessage => {
      const own = 'params' in message && message.params !== undefined ? message.params : {};
      const meta = (own['_meta'] ?? {}) as JsonObject;
      return { ...message, params: { ...own, _meta: { ...meta, [META.subscriptionId]: id } } };
    };
    const honoured = await this.honour(session, params);
    emit(
      tag({
        jsonrpc: '2.0',
        method: 'notifications/subscriptions/acknowledged',
        params: { notifications: honoured },
      }),
    );
    session.attach((message) => {
      if ('method' in message) {
        const filter = LIST_FILTERS[message.method];
        if (filter !== undefined && honoured[filter] !== true) return;
      }
      emit(tag(message));
    });
    await new Promise<void>((resolve) => {
      const end = (): void => {
        this.ending.delete(end);
        resolve();
      };
      this.ending.add(end);
      cancellation?.onAbort(end);
    });
    session.attach(undefined);
    return { _meta: { [META.subscriptionId]: id } };
  }

  /** What of the request can be honoured: the list kinds asked for, the resources that subscribe. */
  private async honour(session: ClientSession, params: JsonObject): Promise<JsonObject> {
    const asked = (params['notifications'] ?? {}) as JsonObject;
    const honoured: JsonObject = {};
    for (const key of ['toolsListChanged', 'promptsListChanged', 'resourcesListChanged'])
      if (asked[key] === true) honoured[key] = true;
    const uris = Array.isArray(asked['resourceSubscriptions'])
      ? asked['resourceSubscriptions'].filter((u): u is string => typeof u === 'string')
      : [];
    const subscribed: string[] = [];
    for (const uri of uris) if (await this.subscribeUri(session, uri)) subscribed.push(uri);
    if (uris.length > 0) honoured['resourceSubscriptions'] = subscribed;
    return honoured;
  }

  /**
   * End every subscription gracefully, e.g. at shutdown: each listen request gets its response.
   * Resolves once the transports have had the turn in which they write those responses.
   */
  async close(): Promise<void> {
    if (this.ending.size === 0) return;
    for (const end of [...this.ending]) end();
    // The responses are written in promise continuations; they all run before the next macrotask.
    await new Promise((resolve) => setImmediate(resolve));
  }
}
