/**
 * The gateway: client transports, sessions, routing and aggregation in front of the managed
 * servers. It arrives with issue #4; this package exists now so the workspace layout is stable.
 */
export const GATEWAY_PACKAGE = '@mcpman/gateway';
