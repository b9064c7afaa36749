/**
 * The MCP protocol versions mcpman speaks, oldest first (the last is the stateless era). Here,
 * in the browser-safe leaf, because the config schema (which the dashboard's forms run) offers
 * them as `protocolVersion` values; `@mcpman/protocol` builds its era tables on them.
 */
export const PROTOCOL_VERSIONS = [
  '2024-11-05',
  '2025-03-26',
  '2025-06-18',
  '2025-11-25',
  '2026-07-28',
] as const;
export type ProtocolVersion = (typeof PROTOCOL_VERSIONS)[number];
