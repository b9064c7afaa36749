import {
  formatIssue,
  gatewaySecretNames,
  headerTemplates,
  issuesFromZod,
  McpmanConfigSchema,
  secretsInTemplates,
} from '@mcpman/core';
import { MCPError, MCPErrorCode } from '@mcpman/protocol';
import type { McpmanConfig, MCPServerConfig } from '@mcpman/core';
import { BRIDGE_PORT, GATEWAY_GRPC_PORT, GATEWAY_HTTP_PORT, TLS_DIR, serverWorkloadName } from './names.js';

/** Server fields the gateway acts on; the rest (source, limits, policies…) belong to the server's pod. */
const GATEWAY_SIDE_FIELDS = [
  'enabled',
  'protocolVersion',
  'sessionMode',
  'sessionPool',
  'health',
  'restart',
  'tools',
] as const;

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** Where the gateway reaches a server in the cluster: its Service, or the url: it already had. */
export function clusterServerUrl(name: string, server: MCPServerConfig): string {
  if (server.source.type === 'remote') return server.source.url;
  const host = serverWorkloadName(name);
  if (server.transport.type === 'http')
    return `http://${host}:${server.transport.port}${server.transport.path}`;
  return `http://${host}:${BRIDGE_PORT}/mcp`;
}

export interface ClusterConfig {
  /** The config the gateway pod runs: every server a url: server, state in Redis. */
  readonly document: Record<string, unknown>;
  /** Secrets the gateway reads (files in its secrets folder): header templates, Redis, the collector. */
  readonly headerSecrets: string[];
  /** Collector headers that were plain values in the config: now secrets the user must create. */
  readonly movedOtlpHeaders: { readonly header: string; readonly secret: string }[];
  readonly tls: boolean;
}

/**
 * The gateway pod's config, derived from the user's: written from their document (so durations
 * and sizes keep the units they wrote), with each container server replaced by the url: of its
 * Service, listeners on every interface, shared state in Redis, files at their places in the pod.
 */
export function clusterGatewayConfig(raw: unknown, config: McpmanConfig, redisUrl: string): ClusterConfig {
  const source = record(raw);
  const gateway = { ...record(source['gateway']) };
  const tls = config.gateway.tls !== undefined;
  gateway['listen'] = `0.0.0.0:${GATEWAY_HTTP_PORT}`;
  gateway['grpc'] = { ...record(gateway['grpc']), listen: `0.0.0.0:${GATEWAY_GRPC_PORT}` };
  gateway['state'] = { ...record(gateway['state']), backend: 'redis', redisUrl };
  // A collector's API key goes to a Secret, never the ConfigMap: plain values become templates.
  const tracing = { ...record(gateway['tracing']) };
  const otlp = { ...record(tracing['otlp']) };
  const movedOtlpHeaders: { header: string; secret: string }[] = [];
  if (Object.keys(otlp).length > 0) {
    const headers: Record<string, string> = {};
    for (const [header, value] of Object.entries(config.gateway.tracing.otlp?.headers ?? {})) {
      if (secretsInTemplates({ header: value }).length > 0) headers[header] = value;
      else {
        const secret = `mcpman-otlp-${header.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`.replace(/-+$/, '');
        movedOtlpHeaders.push({ header, secret });
        headers[header] = `\${secret:${secret}}`;
      }
    }
    otlp['headers'] = headers;
    tracing['otlp'] = otlp;
    gateway['tracing'] = tracing;
  }
  const rateLimit = { ...record(gateway['rateLimit']) };
  delete rateLimit['redisUrl'];
  gateway['rateLimit'] = rateLimit;
  if (tls) {
    const clientCa = config.gateway.tls?.clientCa !== undefined;
    gateway['tls'] = {
      ...record(gateway['tls']),
      cert: `${TLS_DIR}/tls.crt`,
      key: `${TLS_DIR}/tls.key`,
      ...(clientCa ? { clientCa: `${TLS_DIR}/ca.crt` } : {}),
    };
  }
  // Files of this machine mean nothing in a pod: tokens live in Redis, logs go to stdout.
  const auth = { ...record(gateway['auth']) };
  delete auth['tokensFile'];
  gateway['auth'] = auth;
  const audit = { ...record(gateway['audit']) };
  delete audit['file'];
  gateway['audit'] = audit;
  const logging = { ...record(source['logging']) };
  delete logging['file'];

  const rawServers = record(source['servers']);
  const servers: Record<string, unknown> = {};
  const headerSecrets = new Set<string>();
  for (const [name, server] of Object.entries(config.servers)) {
    const given = record(rawServers[name]);
    const kept: Record<string, unknown> = {};
    for (const field of GATEWAY_SIDE_FIELDS) if (given[field] !== undefined) kept[field] = given[field];
    const headers = headerTemplates(server);
    for (const secret of secretsInTemplates(headers)) headerSecrets.add(secret);
    const wire = server.source.type === 'remote' ? server.transport.type : 'streamable-http';
    servers[name] = {
      url: clusterServerUrl(name, server),
      ...(wire === 'sse' ? { transport: 'sse' } : {}),
      ...(Object.keys(headers).length > 0 ? { headers } : {}),
      ...kept,
    };
  }

  const document: Record<string, unknown> = {
    version: 1,
    gateway,
    ...(Object.keys(logging).length > 0 ? { logging } : {}),
    ...(source['telemetry'] === undefined ? {} : { telemetry: source['telemetry'] }),
    servers,
  };
  // What we derive must load: a bug here would otherwise surface as a crash-looping pod.
  const parsed = McpmanConfigSchema.safeParse(document);
  if (!parsed.success) {
    const issues = issuesFromZod(McpmanConfigSchema, parsed.error.issues).map((issue) =>
      formatIssue(issue, 'cluster config'),
    );
    throw new MCPError(
      MCPErrorCode.Internal,
      `the gateway config derived for the cluster is invalid:\n${issues.join('\n')}`,
    );
  }
  for (const secret of gatewaySecretNames(parsed.data.gateway)) headerSecrets.add(secret);
  return { document, headerSecrets: [...headerSecrets].sort(), tls, movedOtlpHeaders };
}
