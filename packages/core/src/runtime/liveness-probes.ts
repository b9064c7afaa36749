import type { MCPServerConfig } from '../config/schema.js';
import { describeError, MCPError, MCPErrorCode, probe } from '@mcpman/protocol';
import type { Implementation, UpstreamSession } from '@mcpman/protocol';
import type { EventBus } from '../events/event-bus.js';
import type { ServerStatus } from './server-status.js';

/** What one probe means for the server. */
export type ProbeVerdict =
  /** Answered. */
  | { readonly kind: 'ok' }
  /** Missed, fewer times in a row than the threshold: unhealthy, probed again. */
  | { readonly kind: 'missed'; readonly reason: string }
  /** Missed `failureThreshold` times in a row: a failure, for the restart policy. */
  | { readonly kind: 'dead'; readonly error: MCPError }
  /** The server was stopped or restarted while the probe ran: nothing to record. */
  | { readonly kind: 'stale' };

/**
 * Liveness at the MCP level: `ping`, or `server/discover` for stateless-era servers, every
 * `health.interval`, each within `health.timeout`. Every probe is a `server.health` event.
 */
export class LivenessProbes {
  private missed = 0;
  private lastResult: ServerStatus['lastProbe'];

  constructor(
    private readonly name: string,
    private readonly health: MCPServerConfig['health'],
    private readonly clientInfo: Implementation,
    private readonly bus: EventBus,
  ) {}

  get last(): ServerStatus['lastProbe'] {
    return this.lastResult;
  }

  /** A new session starts with a clean count. */
  reset(): void {
    this.missed = 0;
  }

  /** Probe `session` once; `alive` says whether the attempt it belongs to is still current. */
  async run(session: UpstreamSession, alive: () => boolean): Promise<ProbeVerdict> {
    const at = Date.now();
    try {
      const latencyMs = await probe(session.peer, session.handshake, this.clientInfo, this.health.timeout);
      if (!alive()) return { kind: 'stale' };
      this.lastResult = { ok: true, latencyMs, at };
      this.bus.emit({ type: 'server.health', server: this.name, ok: true, latencyMs, at });
      this.missed = 0;
      return { kind: 'ok' };
    } catch (error) {
      if (!alive()) return { kind: 'stale' };
      const message = describeError(error);
      const latencyMs = Date.now() - at;
      this.lastResult = { ok: false, latencyMs, at };
      this.bus.emit({ type: 'server.health', server: this.name, ok: false, latencyMs, error: message, at });
      this.missed += 1;
      const threshold = this.health.failureThreshold;
      if (this.missed >= threshold)
        return {
          kind: 'dead',
          error: new MCPError(
            MCPErrorCode.HealthCheckFailed,
            `missed ${this.missed} liveness probes in a row (last: ${message})`,
          ),
        };
      return { kind: 'missed', reason: `missed ${this.missed} of ${threshold} liveness probes (${message})` };
    }
  }
}
