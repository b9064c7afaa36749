export { Router, decodePathSegment } from './http/router.js';
export type { RouteHandler, RouteMatch, RouteParams } from './http/router.js';
export { HttpListener, closeServer, dispatch, grpcListenOf, parseListen } from './http/listener.js';
export { WebGuard, isLoopbackAddress, isLoopbackHost } from './http/web-guard.js';
export type { WebRefusal } from './http/web-guard.js';
export type { HttpListenerOptions, ListenAddress } from './http/listener.js';
export { readBody, readJson, sendError, sendJson } from './http/respond.js';
export { openSse } from './http/sse.js';
export type { SseStream } from './http/sse.js';
export { GatewayServer, exposureProblem } from './gateway-server.js';
export type { GatewayServerOptions } from './gateway-server.js';
export { Gateway } from './pipeline/gateway.js';
export type { GatewayOptions, RequestContext } from './pipeline/gateway.js';
export type { ManagedServer, Profile, ServerDirectory } from './pipeline/directory.js';
export { ClientSession, ANONYMOUS, LOG_LEVELS, isLogLevel } from './pipeline/session.js';
export type { ClientTransportKind, Identity, LogLevel, SessionScope } from './pipeline/session.js';
export { GATEWAY_CLIENT_CAPABILITIES, UpstreamHub } from './pipeline/upstream-hub.js';
export { globMatch, prefixName, prefixUri, splitName, splitUri, toolAllowed } from './pipeline/names.js';
export { loadTlsMaterial, serverTlsOptions } from './tls/tls-material.js';
export type { TlsMaterial } from './tls/tls-material.js';
export { GrpcTransport } from './transports/grpc/grpc-transport.js';
export type { GrpcTransportOptions } from './transports/grpc/grpc-transport.js';
export { GrpcCallError, McpGrpcClient, McpGrpcSession } from './transports/grpc/client.js';
export { PROTO_DIR, PROTO_FILE, mcpProto } from './transports/grpc/proto.js';
export type { GrpcCallOptions, McpGrpcClientOptions } from './transports/grpc/client.js';
export { ERROR_TRAILER, grpcStatusOf, jsonRpcErrorOf } from './transports/grpc/status.js';
export { makeDevCertificates, writeDevCertificates } from './tls/dev-certs.js';
export type {
  DevCertificateFiles,
  DevCertificateOptions,
  DevCertificates,
  PemPair,
} from './tls/dev-certs.js';
export { Authenticator, bearerChallenge } from './auth/authenticator.js';
export type { AuthOutcome, AuthRefusal, Credentials } from './auth/authenticator.js';
export { HttpAuth, METADATA_PATH, metadataUrl } from './auth/http-auth.js';
export { OAuthVerifier, SCOPE, identityFromClaims } from './auth/oauth-verifier.js';
export { RateLimits } from './limits/rate-limits.js';
export type { LimitKind, RateLimitRejection } from './limits/rate-limits.js';
export { ConcurrencyGate } from './limits/concurrency-gate.js';
export type { ConcurrencyGateOptions } from './limits/concurrency-gate.js';
export { AuditLog, defaultAuditFile } from './audit/audit-log.js';
export type { AuditEntry } from './audit/audit-log.js';
export { GatewayMetrics } from './metrics/gateway-metrics.js';
export type {
  ContainerStats,
  MetricsSources,
  ServerFigures,
  ToolOutcome,
} from './metrics/gateway-metrics.js';
export { Tracing, failSpan } from './tracing/tracing.js';
export type { TracingOptions } from './tracing/tracing.js';
export { RedisState, RedisTokenStore, RedisSharedSessions } from './state/index.js';
