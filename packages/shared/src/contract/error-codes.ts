/**
 * Every failure the manager can report has one of these codes. The code travels with the error
 * from where it happens (engine, image build, upstream, transport) to where it is shown (CLI exit
 * status and message, JSON-RPC error on the wire, HTTP status, dashboard), so a user can look it up.
 */
export enum MCPErrorCode {
  // Configuration
  ConfigNotFound = 'CONFIG_NOT_FOUND',
  ConfigParse = 'CONFIG_PARSE',
  ConfigInvalid = 'CONFIG_INVALID',
  ConfigWrite = 'CONFIG_WRITE',

  // Container engine (Podman API)
  EngineUnavailable = 'ENGINE_UNAVAILABLE',
  EngineRequestFailed = 'ENGINE_REQUEST_FAILED',
  EngineTimeout = 'ENGINE_TIMEOUT',

  // Images
  ImageNotFound = 'IMAGE_NOT_FOUND',
  ImagePullFailed = 'IMAGE_PULL_FAILED',
  ImagePushFailed = 'IMAGE_PUSH_FAILED',
  ImageBuildFailed = 'IMAGE_BUILD_FAILED',
  PackageInstallFailed = 'PACKAGE_INSTALL_FAILED',

  // Containers
  ContainerCreateFailed = 'CONTAINER_CREATE_FAILED',
  ContainerStartFailed = 'CONTAINER_START_FAILED',
  ContainerExited = 'CONTAINER_EXITED',
  ContainerOomKilled = 'CONTAINER_OOM_KILLED',
  ContainerNotFound = 'CONTAINER_NOT_FOUND',

  // Managed servers and their health
  ServerNotFound = 'SERVER_NOT_FOUND',
  ProfileNotFound = 'PROFILE_NOT_FOUND',
  ServerNotReady = 'SERVER_NOT_READY',
  ServerFailed = 'SERVER_FAILED',
  HealthStartupTimeout = 'HEALTH_STARTUP_TIMEOUT',
  HealthCheckFailed = 'HEALTH_CHECK_FAILED',

  // Secrets
  SecretNotFound = 'SECRET_NOT_FOUND',
  SecretInvalid = 'SECRET_INVALID',
  /** A server named a secret that was created for another server. */
  SecretForbidden = 'SECRET_FORBIDDEN',

  // Upstream MCP servers (as seen by the gateway)
  UpstreamUnavailable = 'UPSTREAM_UNAVAILABLE',
  UpstreamTimeout = 'UPSTREAM_TIMEOUT',
  UpstreamClosed = 'UPSTREAM_CLOSED',
  UpstreamProtocol = 'UPSTREAM_PROTOCOL',

  // Client transports
  TransportError = 'TRANSPORT_ERROR',
  PayloadTooLarge = 'PAYLOAD_TOO_LARGE',
  UnsupportedMediaType = 'UNSUPPORTED_MEDIA_TYPE',
  NotAcceptable = 'NOT_ACCEPTABLE',
  SessionNotFound = 'SESSION_NOT_FOUND',

  // Authentication and authorisation
  AuthRequired = 'AUTH_REQUIRED',
  AuthInvalid = 'AUTH_INVALID',
  AuthForbidden = 'AUTH_FORBIDDEN',
  OriginForbidden = 'ORIGIN_FORBIDDEN',
  /** The Host header names something other than this gateway (DNS rebinding). */
  HostForbidden = 'HOST_FORBIDDEN',

  // Rate limiting
  RateLimited = 'RATE_LIMITED',
  /** A cap on sessions, streams, subscriptions or parked calls was reached. */
  LimitExceeded = 'LIMIT_EXCEEDED',

  // State shared by a gateway cluster (gateway.state: redis)
  StateUnavailable = 'STATE_UNAVAILABLE',

  // The server catalog (MCP registries and the bundled catalog)
  CatalogUnavailable = 'CATALOG_UNAVAILABLE',
  CatalogNotFound = 'CATALOG_NOT_FOUND',
  CatalogInvalid = 'CATALOG_INVALID',
  CatalogUnsupported = 'CATALOG_UNSUPPORTED',

  // MCP / JSON-RPC protocol
  ProtocolParseError = 'PROTOCOL_PARSE_ERROR',
  ProtocolInvalidRequest = 'PROTOCOL_INVALID_REQUEST',
  ProtocolMethodNotFound = 'PROTOCOL_METHOD_NOT_FOUND',
  ProtocolInvalidParams = 'PROTOCOL_INVALID_PARAMS',
  ProtocolUnsupportedVersion = 'PROTOCOL_UNSUPPORTED_VERSION',
  ProtocolHeaderMismatch = 'PROTOCOL_HEADER_MISMATCH',
  ProtocolMissingCapability = 'PROTOCOL_MISSING_CAPABILITY',
  ProtocolNotBridgeable = 'PROTOCOL_NOT_BRIDGEABLE',
  ResourceNotFound = 'RESOURCE_NOT_FOUND',

  // Everything else
  Cancelled = 'CANCELLED',
  Timeout = 'TIMEOUT',
  CircuitOpen = 'CIRCUIT_OPEN',
  NotImplemented = 'NOT_IMPLEMENTED',
  Internal = 'INTERNAL',
}
