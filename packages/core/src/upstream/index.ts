// The upstream connections that need the engine (stdio attached to a container); the peer, the
// handshake and HTTP connections are in @mcpman/protocol.
export { StdioAttachConnection } from './stdio-attach-connection.js';
export type { StdioAttachOptions } from './stdio-attach-connection.js';
export { STDIO_MODES, attachChannel, chooseStdioChannel, pipesChannel } from './stdio-channel.js';
export type { StdioChannel, StdioMode } from './stdio-channel.js';
