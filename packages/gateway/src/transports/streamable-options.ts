import type { Gateway } from '../pipeline/gateway.js';
import type { IdentifyHttp, OriginCheck } from './http-common.js';
import type { SharedEventLog } from './shared-events.js';

export interface HttpTransportOptions {
  readonly gateway: Gateway;
  /** The Origin check of the gateway's WebGuard. */
  readonly originAllowed: OriginCheck;
  readonly maxRequestBytes: number;
  readonly heartbeatMs: number;
  readonly compression: boolean;
  /** Events kept per stream for Last-Event-ID resumption. */
  readonly maxEventsPerStream?: number;
  /** Session-era sessions idle this long (and without an open stream) are closed. */
  readonly sessionIdleMs?: number;
  readonly identify?: IdentifyHttp;
  /** A cluster's shared log of POST streams, so a cut stream resumes on any replica. */
  readonly sharedEvents?: SharedEventLog;
  /** Response streams a session keeps for resumption (gateway.sessionLimits.streamsPerSession). */
  readonly streamsPerSession?: number;
  /** How long a POST stream whose response went out is kept, for a client that lost it anyway. */
  readonly deliveredStreamGraceMs?: number;
}
