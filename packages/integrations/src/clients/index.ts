export { CLIENT_CATALOG, clientSpec } from './catalog.js';
export type { ClientSpec, Places, Platform, Target } from './catalog.js';
export {
  bridgeCommand,
  clientFile,
  clientState,
  connectClient,
  disconnectClient,
  entryName,
} from './connector.js';
export type { Bridge, ClientContext, ConnectRequest, Endpoint } from './connector.js';
export {
  ClientConnections,
  clientContext,
  clientTokenName,
  gatewayCa,
  placesFrom,
} from './client-connections.js';
export type { ClientConnectionsOptions } from './client-connections.js';
