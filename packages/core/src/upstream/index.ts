export type { UpstreamConnection } from './connection.js';
export { StdioAttachConnection } from './stdio-attach-connection.js';
export type { StdioAttachOptions } from './stdio-attach-connection.js';
export { HttpConnection } from './http-connection.js';
export type { HttpConnectionOptions } from './http-connection.js';
export { McpPeer, RemoteRpcError } from './peer.js';
export type { PeerRequestOptions } from './peer.js';
export { modernMeta, performHandshake, probe } from './handshake.js';
export type { HandshakeOptions } from './handshake.js';
