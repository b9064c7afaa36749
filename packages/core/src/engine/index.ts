export { EngineClient } from './engine-client.js';
export type {
  AttachedStreams,
  BuildOptions,
  EngineClientOptions,
  LogLine,
  LogOptions,
  PullProgress,
} from './engine-client.js';
export type { ContainerCreateSpec, SpecMount, SpecSecret, SpecPortMapping } from './create-spec.js';
export { FrameDemuxer, LineSplitter } from './demux.js';
export type { Frame, StreamKind } from './demux.js';
export { discoverEngineSocket, pingSocket, socketCandidates } from './socket.js';
export type { SocketCandidate, SocketSource } from './socket.js';
export type * from './types.js';
