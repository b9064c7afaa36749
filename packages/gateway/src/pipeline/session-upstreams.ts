import type { SessionLease } from '@mcpman/core';
import type { JsonRpcNotification } from '@mcpman/protocol';
import type { ManagedServer } from './directory.js';
import type { ClientSession } from './session.js';
import { UpstreamHub } from './upstream-hub.js';

interface Owned {
  readonly hub: UpstreamHub;
  readonly lease: SessionLease;
}

/**
 * The upstream sessions one client session has of its own (servers with `sessionMode:
 * per-client`): leased on first use of each server, ended with the client session. Everything
 * the server says on one goes to this client alone.
 */
export class SessionUpstreams {
  private readonly pending = new Map<string, Promise<Owned>>();
  private readonly ready = new Map<string, Owned>();
  private released = false;

  constructor(
    private readonly session: ClientSession,
    private readonly deliver: (server: string, notification: JsonRpcNotification) => void,
  ) {}

  /** This session's hub for `server`, leasing an upstream when it has none (or it died). */
  async hub(server: ManagedServer, lease: () => Promise<SessionLease>): Promise<UpstreamHub> {
    const current = this.ready.get(server.name);
    if (current !== undefined && current.lease.peer.closed) {
      // Its container went away: the next use gets a new one; the old one is cleaned up.
      this.ready.delete(server.name);
      this.pending.delete(server.name);
      void current.lease.release();
    }
    let entry = this.pending.get(server.name);
    if (entry === undefined) {
      entry = this.open(server, lease);
      this.pending.set(server.name, entry);
      entry.catch(() => {
        this.pending.delete(server.name);
      });
    }
    return (await entry).hub;
  }

  /** Hubs already open (for answers to server requests and log levels). */
  hubs(): UpstreamHub[] {
    return [...this.ready.values()].map((owned) => owned.hub);
  }

  /** End every upstream of this session (containers of stdio servers are removed). */
  async release(): Promise<void> {
    this.released = true;
    const all = [...this.pending.values()];
    this.pending.clear();
    this.ready.clear();
    await Promise.all(
      all.map((entry) => entry.then((owned) => owned.lease.release()).catch(() => undefined)),
    );
  }

  private async open(server: ManagedServer, lease: () => Promise<SessionLease>): Promise<Owned> {
    const leased = await lease();
    if (this.released) {
      await leased.release();
      throw new Error('the client session has ended');
    }
    const session = this.session;
    const hub = new UpstreamHub(
      server.name,
      {
        listChanged: (_server, kind) => {
          if (session.initialized)
            session.push({ jsonrpc: '2.0', method: `notifications/${kind}/list_changed` });
        },
        sessionsFor: () => [session],
      },
      false,
    );
    hub.deliver = (_session, notification) => {
      this.deliver(server.name, notification);
    };
    hub.bind({ ...server, state: 'ready', peer: leased.peer, handshake: leased.handshake });
    const owned = { hub, lease: leased };
    this.ready.set(server.name, owned);
    return owned;
  }
}
