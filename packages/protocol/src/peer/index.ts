export type { UpstreamConnection } from './connection.js';
export { HttpConnection } from './http-connection.js';
export type { HttpConnectionOptions } from './http-connection.js';
export { McpPeer, RemoteRpcError } from './peer.js';
export type { PeerRequestOptions } from './peer.js';
export { performHandshake, probe } from './handshake.js';
export type { HandshakeOptions } from './handshake.js';
export { describeError, httpConnection, openUpstream } from './open-upstream.js';
export type { HttpEndpoint, OpenUpstreamOptions, UpstreamSession, UpstreamTarget } from './open-upstream.js';
