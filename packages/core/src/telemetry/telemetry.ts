import type { EventBus, ManagerEvent } from '../events/event-bus.js';
import type { Disposable } from '@mcpman/protocol';
/**
 * Anonymous usage events, opt-in. Each event has a name from a fixed list and only the
 * properties allowed for it: kinds, outcomes, counts and durations. Never tool arguments,
 * never the names of a user's servers, tools, files or images, never identities. The Podman
 * Desktop extension connects a sink to its telemetry logger (which honours the user's
 * telemetry setting); the CLI sends nothing unless telemetry is enabled.
 */

type PropertyKind = 'string' | 'number' | 'boolean';

/** Per event: the properties it may carry, and for strings the values allowed. */
const EVENTS = {
  'manager.start': { servers: 'number', detached: 'boolean', transports: 'number' },
  'manager.stop': { uptimeSeconds: 'number' },
  'server.add': { source: ['npx', 'pypi', 'image', 'build'] },
  'server.remove': {},
  'server.ready': { transport: ['stdio', 'http'], startupMs: 'number', era: ['2025', '2026'] },
  'server.failed': { code: 'string' },
  'server.restart': { cause: ['manual', 'exit', 'health'] },
  'tool.call': {
    transport: ['streamable-http', 'sse', 'websocket', 'grpc', 'stdio'],
    outcome: ['ok', 'error', 'denied', 'rate-limited'],
    durationMs: 'number',
  },
  'config.invalid': { problems: 'number' },
} as const satisfies Record<string, Record<string, PropertyKind | readonly string[]>>;

export type TelemetryEventName = keyof typeof EVENTS;
export const TELEMETRY_EVENTS = Object.keys(EVENTS) as TelemetryEventName[];

export type TelemetryProperties = Readonly<Record<string, string | number | boolean>>;

export interface TelemetryEvent {
  readonly name: TelemetryEventName;
  readonly properties: TelemetryProperties;
}

/** Where events go: Podman Desktop's telemetry logger, a file, a test's array. */
export interface TelemetrySink {
  send(event: TelemetryEvent): void;
}

export class Telemetry {
  constructor(
    private readonly sink: TelemetrySink | undefined,
    private enabledNow: boolean,
  ) {}

  /** Off: sends nothing at all (the default in the CLI). */
  static off(): Telemetry {
    return new Telemetry(undefined, false);
  }

  get enabled(): boolean {
    return this.enabledNow && this.sink !== undefined;
  }

  /** Follows the user's setting (Podman Desktop's telemetry switch can change at any time). */
  setEnabled(enabled: boolean): void {
    this.enabledNow = enabled;
  }

  /** Send one event; properties not allowed for it, or with values not allowed, are dropped. */
  track(name: TelemetryEventName, properties: Readonly<Record<string, unknown>> = {}): void {
    if (!this.enabled) return;
    this.sink?.send({ name, properties: allowedProperties(name, properties) });
  }
}

/** Only what the event's list allows: a property of another kind or value is dropped. */
export function allowedProperties(
  name: TelemetryEventName,
  properties: Readonly<Record<string, unknown>>,
): TelemetryProperties {
  const allowed: Readonly<Record<string, PropertyKind | readonly string[]>> = EVENTS[name];
  const result: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(properties)) {
    const rule = allowed[key];
    if (rule === undefined) continue;
    if (Array.isArray(rule)) {
      if (typeof value === 'string' && rule.includes(value)) result[key] = value;
    } else if (rule === 'number') {
      if (typeof value === 'number' && Number.isFinite(value)) result[key] = Math.round(value);
    } else if (rule === 'boolean') {
      if (typeof value === 'boolean') result[key] = value;
    } else if (typeof value === 'string' && /^[A-Z][A-Z_]{1,40}$/.test(value)) {
      // Free strings are error codes only (MCPErrorCode values), never user text.
      result[key] = value;
    }
  }
  return result;
}

/** Usage events from manager events: kinds and codes only, never server names. */
export function trackEvents(bus: EventBus, telemetry: Telemetry): Disposable {
  return bus.on((event: ManagerEvent) => {
    if (event.type !== 'server.state') return;
    if (event.state === 'failed') telemetry.track('server.failed', { code: event.code ?? 'INTERNAL' });
    if (event.state === 'restarting') telemetry.track('server.restart', { cause: 'exit' });
  });
}
