export { TELEMETRY_EVENTS, Telemetry, allowedProperties, trackEvents } from './telemetry.js';
export type { TelemetryEvent, TelemetryEventName, TelemetryProperties, TelemetrySink } from './telemetry.js';
