import type { JsonObject } from '@mcpman/protocol';
import type { Implementation } from '@mcpman/shared';
import type { AuditLog } from '../audit/audit-log.js';
import type { RateLimits } from '../limits/rate-limits.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import type { Tracing } from '../tracing/tracing.js';
import type { ServerDirectory } from './directory.js';
import type { DiscoveryConfig } from './discovery/tool-discovery.js';
import type { SharedSessions } from './shared-sessions.js';
import type { SessionLimits } from './session-registry.js';

export interface GatewayOptions {
  readonly directory: ServerDirectory;
  readonly serverInfo: Implementation;
  /** Longest a forwarded call may take. */
  readonly requestTimeoutMs?: number;
  /** Items per page of aggregated lists. */
  readonly pageSize?: number;
  /** On-demand tool discovery on `/mcp` (gateway.discovery); profiles carry their own. */
  readonly discovery?: DiscoveryConfig;
  /** Request buckets and concurrency caps (gateway.rateLimit). */
  readonly limits?: RateLimits;
  /** Where tool calls are recorded. */
  readonly audit?: AuditLog;
  /** Prometheus figures (request durations, tool calls, rejections). */
  readonly metrics?: GatewayMetrics;
  /** OpenTelemetry spans per request (a no-op unless an exporter is configured). */
  readonly tracing?: Tracing;
  /** A gateway cluster's shared session-era sessions (gateway.state: redis); absent: this process only. */
  readonly sharedSessions?: SharedSessions;
  /** How long an unused session lives (gateway.sessionIdleTimeout); shared records expire with it. */
  readonly sessionIdleMs?: number;
  /** Sessions open at once, in all and per identity, and subscriptions per session (gateway.sessionLimits). */
  readonly sessionLimits?: SessionLimits;
  /** `notifications/message` from servers, for the manager's log. */
  readonly onServerMessage?: (server: string, params: JsonObject) => void;
}
