import { META } from '@mcpman/protocol';
import type { JsonObject, JsonRpcId, JsonRpcNotification, McpPeer } from '@mcpman/protocol';

/**
 * A 2026-07-28 server's notifications (list changes, resource updates) come only on a
 * `subscriptions/listen` request. The hub keeps one open per upstream session, for every list
 * and the resources its clients subscribed to; a change of subscriptions replaces it.
 */
export class UpstreamListen {
  private current: { id: JsonRpcId | undefined; abort: AbortController } | undefined;
  private acked: (() => void)[] = [];
  private stopped = false;

  constructor(
    private readonly peer: McpPeer,
    private readonly resources: () => readonly string[],
  ) {}

  /** (Re)open the listen request with the current subscriptions; resolves once acknowledged. */
  refresh(): Promise<void> {
    if (this.stopped || this.peer.closed) return Promise.resolve();
    const previous = this.current;
    const abort = new AbortController();
    const listen: { id: JsonRpcId | undefined; abort: AbortController } = { id: undefined, abort };
    const started = Date.now();
    this.current = listen;
    const acknowledged = new Promise<void>((resolve) => {
      this.acked.push(resolve);
    });
    this.peer
      .request(
        'subscriptions/listen',
        {
          notifications: {
            toolsListChanged: true,
            promptsListChanged: true,
            resourcesListChanged: true,
            resourceSubscriptions: [...this.resources()],
          },
        },
        {
          timeoutMs: 0,
          signal: abort.signal,
          onId: (id) => {
            listen.id = id;
          },
        },
      )
      .catch(() => undefined)
      .finally(() => {
        if (this.current !== listen) return;
        // The server ended it: nobody should wait for its ack any more. One that lasted a
        // while is opened again; one refused at once (not supported) is not retried in a loop.
        this.releaseWaiters();
        if (Date.now() - started > 1_000) void this.refresh();
      });
    previous?.abort.abort();
    return acknowledged;
  }

  /**
   * Sort one notification from the server: undefined when it belongs to a replaced listen
   * request (dropped) or is the acknowledgement; else the notification without the tag.
   */
  accept(notification: JsonRpcNotification): JsonRpcNotification | undefined {
    const meta = notification.params?.['_meta'];
    const tag =
      typeof meta === 'object' && meta !== null ? (meta as JsonObject)[META.subscriptionId] : undefined;
    if (tag === undefined) return notification;
    if (this.current === undefined || tag !== this.current.id) return undefined;
    if (notification.method === 'notifications/subscriptions/acknowledged') {
      this.releaseWaiters();
      return undefined;
    }
    const { [META.subscriptionId]: _tag, ...rest } = meta as JsonObject;
    const params: JsonObject = { ...notification.params };
    if (Object.keys(rest).length === 0) delete params['_meta'];
    else params['_meta'] = rest;
    return { ...notification, params };
  }

  stop(): void {
    this.stopped = true;
    this.current?.abort.abort();
    this.current = undefined;
    this.releaseWaiters();
  }

  private releaseWaiters(): void {
    for (const resolve of this.acked.splice(0)) resolve();
  }
}
