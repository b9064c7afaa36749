import { loopbackOrHttps } from '@mcpman/shared';
import * as z from 'zod';
import {
  DURATION_HELP,
  DURATION_PATTERN,
  SIZE_HELP,
  SIZE_PATTERN,
  parseDuration,
  parseSize,
} from './units.js';
import {
  SOURCE_HELP,
  buildSourceFrom,
  imageSourceFrom,
  npxSourceFrom,
  parseSourceString,
  pypiSourceFrom,
} from './source.js';
import type { ServerSource, SourceParseResult } from './source.js';
import { PROTOCOL_VERSIONS } from '@mcpman/shared/contract';
import { LOG_COMPONENTS, LOGGER_LEVELS } from '../logging/levels.js';

/**
 * The `mcpman.yaml` schema. One zod schema is the single source of truth for: validation in the
 * CLI and the dashboard forms, defaults, the TypeScript types, and the published JSON Schema.
 */

/** Names end up in container names, URLs (`/servers/<name>/mcp`) and tool prefixes (`<name>__tool`). */
export const SERVER_NAME_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/;
export const SERVER_NAME_HELP =
  'lowercase letters, digits and single hyphens, 1-48 characters, starting and ending with a letter or digit';
export const SECRET_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
export const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
const LABEL_KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._\-/]{0,127}$/;
const RESERVED_LABEL_PREFIX = 'io.mcpman.';
const HOST_PORT_PATTERN = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

/** A size field ("512Mi" or bytes). `fallback` is written the way users write it, for the docs. */
const size = (what: string, minBytes: number, fallback: string, description: string) =>
  z
    .union([z.number(), z.string()])
    .transform((value, ctx) => {
      const bytes = parseSize(value);
      if (bytes === undefined) {
        ctx.issues.push({ code: 'custom', input: value, message: `expected ${SIZE_HELP}` });
        return z.NEVER;
      }
      if (bytes < minBytes) {
        ctx.issues.push({
          code: 'custom',
          input: value,
          message: `${what} must be at least ${minBytes} bytes`,
        });
        return z.NEVER;
      }
      return bytes;
    })
    .default(parseSize(fallback) ?? 0)
    .meta({
      description,
      'x-mcpman-default': fallback,
      'x-mcpman-type': 'size',
      anyOf: [
        { type: 'integer', minimum: minBytes },
        { type: 'string', pattern: SIZE_PATTERN.source },
      ],
    });

/** A duration field ("30s" or milliseconds). */
const duration = (minMs: number, fallback: string, description: string) =>
  z
    .union([z.number(), z.string()])
    .transform((value, ctx) => {
      const ms = parseDuration(value);
      if (ms === undefined) {
        ctx.issues.push({ code: 'custom', input: value, message: `expected ${DURATION_HELP}` });
        return z.NEVER;
      }
      if (ms < minMs) {
        ctx.issues.push({ code: 'custom', input: value, message: `must be at least ${minMs} ms` });
        return z.NEVER;
      }
      return ms;
    })
    .default(parseDuration(fallback) ?? 0)
    .meta({
      description,
      'x-mcpman-default': fallback,
      'x-mcpman-type': 'duration',
      anyOf: [
        { type: 'number', minimum: minMs },
        { type: 'string', pattern: DURATION_PATTERN.source },
      ],
    });

/** `https://app.example` or `http://localhost:5173`: what a browser sends as Origin. */
const browserOrigin = z.string().refine(
  (value) => {
    try {
      const url = new URL(value);
      return (
        (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value.replace(/\/$/, '')
      );
    } catch {
      return false;
    }
  },
  { error: 'expected an origin as scheme://host[:port], e.g. https://app.example (no path)' },
);

/** `mcp.example.com`, `*.example.com`, `mcp.example.com:8443`. */
const hostName = z.string().regex(/^(?:\*\.)?[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::\d{1,5})?$/, {
  error: 'expected a host name, *.domain or name:port, e.g. mcp.example.com',
});

const hostPort = (what: string) =>
  z.string().refine(
    (value) => {
      const match = HOST_PORT_PATTERN.exec(value);
      const port = match?.[2] === undefined ? NaN : Number(match[2]);
      return port >= 0 && port <= 65535;
    },
    { error: `expected ${what} as host:port, e.g. 127.0.0.1:7420 or [::1]:7420 (port 0-65535)` },
  );

function sourceResult(result: SourceParseResult, value: unknown, ctx: z.RefinementCtx): ServerSource {
  if (result.ok) return result.source;
  ctx.addIssue({ code: 'custom', input: value, message: `${result.message}; expected ${SOURCE_HELP}` });
  return z.NEVER;
}

const NpxSourceObject = z.strictObject({
  npx: z
    .string()
    .meta({ description: 'npm package spec, e.g. @modelcontextprotocol/server-memory@2026.8.31' }),
  bin: z.string().optional().meta({ description: 'Which bin of the package to run when it has several.' }),
});
const PypiSourceObject = z.strictObject({
  pypi: z.string().meta({ description: 'Python package and version, e.g. mcp-server-time@2025.1.1' }),
  bin: z
    .string()
    .optional()
    .meta({ description: 'Which console script of the package to run when it has several.' }),
  index: z.string().optional().meta({
    description: "A package index's simple API URL to install from instead of pip's configured ones.",
  }),
});
const ImageSourceObject = z.strictObject({
  image: z.string().meta({ description: 'Image reference, e.g. docker.io/mcp/everything:latest' }),
  pull: z.enum(['missing', 'always', 'never']).default('missing'),
});
const BuildSourceObject = z.strictObject({
  build: z.string().meta({ description: 'Directory with a Containerfile, relative to this file.' }),
  containerfile: z.string().default('Containerfile'),
  buildArgs: z.record(z.string(), z.string()).default({}),
});

export const SourceSchema = z
  .union([
    z.string().transform((value, ctx) => sourceResult(parseSourceString(value), value, ctx)),
    NpxSourceObject.transform((value, ctx) => sourceResult(npxSourceFrom(value.npx, value.bin), value, ctx)),
    PypiSourceObject.transform((value, ctx) =>
      sourceResult(pypiSourceFrom(value.pypi, value.bin, value.index), value, ctx),
    ),
    ImageSourceObject.transform((value, ctx) =>
      sourceResult(imageSourceFrom(value.image, value.pull), value, ctx),
    ),
    BuildSourceObject.transform((value, ctx) =>
      sourceResult(buildSourceFrom(value.build, value.containerfile, value.buildArgs), value, ctx),
    ),
  ])
  .meta({ description: `Where the server comes from: ${SOURCE_HELP}.` });

/** Headers sent upstream on every request; `${secret:NAME}` templates are filled when connecting. */
const HeaderRecord = z.record(
  z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, { error: 'expected an HTTP header name' }),
  z.string().refine((value) => !/[\r\n]/.test(value), { error: 'a header value cannot contain line breaks' }),
);
const HEADERS_HELP =
  'Headers sent to the server on every request; ${secret:NAME} is replaced by the stored secret (e.g. "Bearer ${secret:github}").';
const HeadersSchema = HeaderRecord.default({}).meta({ description: HEADERS_HELP });

const HttpTransport = z.strictObject({
  type: z.literal('http'),
  port: z
    .number()
    .int()
    .min(1)
    .max(65535)
    .meta({ description: 'Port the server listens on inside its container.' }),
  path: z.string().startsWith('/').default('/mcp'),
  headers: HeadersSchema,
});
const StdioTransport = z.strictObject({ type: z.literal('stdio') });

/** The wires a remote (`url:`) server may speak. */
export const REMOTE_TRANSPORTS = ['streamable-http', 'sse'] as const;

/** Unset means the default for the kind of server: stdio in a container, streamable-http for `url:`. */
export const TransportSchema = z
  .union([
    z.literal('stdio').transform(() => ({ type: 'stdio' as const })),
    z.enum(REMOTE_TRANSPORTS).transform((type) => ({ type })),
    z.discriminatedUnion('type', [StdioTransport, HttpTransport]),
  ])
  .optional()
  .meta({
    description:
      'How the manager talks to the server: stdio (attached, the default) or {type: http, port, path} for a container; streamable-http (the default) or sse (legacy HTTP+SSE) for a url: server.',
  });

/** A remote server's URL: http(s) only, no credentials in it (they go in headers, from secrets). */
const RemoteUrlSchema = z
  .url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' })
  .refine((value) => {
    // zod runs this even when the value is not a URL (z.url reported that already).
    if (!URL.canParse(value)) return true;
    const url = new URL(value);
    return url.username === '' && url.password === '';
  }, 'a URL cannot carry a user name or password; put credentials in headers with ${secret:NAME}')
  .meta({
    description:
      'An MCP server mcpman does not run, reached at this URL (Streamable HTTP, or legacy SSE with transport: sse). Instead of source.',
  });

export const ResourceLimitsSchema = z
  .strictObject({
    memory: size(
      'memory',
      6 * 1024 * 1024,
      '512Mi',
      'Memory limit; the container is OOM-killed above it (Podman needs at least 6Mi).',
    ),
    cpus: z.number().positive().max(1024).default(1).meta({ description: 'CPU limit in cores, e.g. 0.5.' }),
    pids: z
      .number()
      .int()
      .min(8)
      .max(1_000_000)
      .default(256)
      .meta({ description: 'Maximum number of processes and threads.' }),
  })
  .prefault({});

const MountSchema = z.strictObject({
  source: z.string().min(1).meta({ description: 'Host path, relative to this file unless absolute.' }),
  target: z.string().startsWith('/', { error: 'expected an absolute path inside the container' }),
  readOnly: z.boolean().default(true).meta({ description: 'Mounted read-only unless set to false.' }),
});

const USER_PATTERN = /^\d+(:\d+)?$/;

/**
 * zod skips an object's refinements once any field inside it failed. Cross-field checks here are
 * written defensively so they can run anyway, and every problem is reported in one pass.
 */
const ALWAYS_CHECK = {
  when: (payload: { value: unknown }): boolean => typeof payload.value === 'object' && payload.value !== null,
};

export const SecurityPoliciesSchema = z
  .strictObject({
    network: z.enum(['none', 'isolated', 'bridge']).optional().meta({
      description:
        'none: no network (default for stdio servers); isolated: a per-server internal network the gateway reaches directly (default for http servers); bridge: outbound access.',
    }),
    readOnlyRootfs: z
      .boolean()
      .default(true)
      .meta({ description: 'Read-only root filesystem; /tmp is a small writable tmpfs.' }),
    user: z
      .string()
      .regex(USER_PATTERN, { error: 'expected a numeric uid or uid:gid, e.g. "1000:1000"' })
      .default('1000:1000')
      .meta({ description: 'Numeric uid or uid:gid the server runs as.' }),
    allowRoot: z.boolean().default(false).meta({ description: 'Allow user 0 (root). Off by default.' }),
    tmpfsSize: size('tmpfsSize', 1024 * 1024, '64Mi', 'Size of the writable /tmp tmpfs.'),
    mounts: z
      .array(MountSchema)
      .default([])
      .meta({ description: 'Host folders to mount; nothing else is shared.' }),
  })
  .superRefine((policy, ctx) => {
    const user: unknown = policy.user;
    const uid = typeof user === 'string' ? user.split(':')[0] : undefined;
    // Numerically: "00" and "000:0" are root too.
    if (uid !== undefined && /^\d+$/.test(uid) && Number(uid) === 0 && !policy.allowRoot) {
      ctx.addIssue({
        code: 'custom',
        path: ['user'],
        input: policy.user,
        message: 'running as root (uid 0) needs securityPolicies.allowRoot: true',
      });
    }
  }, ALWAYS_CHECK)
  .prefault({});

export const HealthSchema = z
  .strictObject({
    interval: duration(100, '10s', 'Time between liveness probes (MCP ping, or server/discover).'),
    timeout: duration(10, '5s', 'How long one probe may take.'),
    failureThreshold: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(3)
      .meta({ description: 'Missed probes in a row before the server is restarted.' }),
    startupTimeout: duration(
      100,
      '60s',
      'How long the MCP handshake may take after start before the attempt fails.',
    ),
  })
  .prefault({});

export const RestartSchema = z
  .strictObject({
    policy: z
      .enum(['no', 'on-failure', 'always'])
      .default('on-failure')
      .meta({ description: 'on-failure: restart when the server exits or stops answering probes.' }),
    maxRetries: z
      .number()
      .int()
      .min(0)
      .max(1000)
      .default(5)
      .meta({ description: 'Restarts in a row before the server is marked failed.' }),
    initialDelay: duration(0, '1s', 'First restart delay; doubles (with jitter) each time.'),
    maxDelay: duration(0, '30s', 'Longest restart delay.'),
  })
  .prefault({});

export const ToolFilterSchema = z
  .strictObject({
    allow: z
      .array(z.string().min(1))
      .default(['*'])
      .meta({ description: 'Glob patterns of tools to expose.' }),
    deny: z.array(z.string().min(1)).default([]).meta({ description: 'Glob patterns of tools to hide.' }),
  })
  .prefault({});

export const SessionPoolSchema = z
  .strictObject({
    warm: z.number().int().min(0).max(16).default(1).meta({
      description: 'per-client stdio servers: containers kept started and ready for the next session.',
    }),
    max: z.number().int().min(1).max(1000).default(32).meta({
      description: 'per-client: most client sessions with their own upstream at once; more are refused.',
    }),
  })
  .prefault({});

const envRecord = z.record(
  z
    .string()
    .regex(ENV_NAME_PATTERN, { error: 'expected an environment variable name ([A-Za-z_][A-Za-z0-9_]*)' }),
  z.string(),
);

const ServerFieldsSchema = z
  .strictObject({
    source: SourceSchema.optional(),
    url: RemoteUrlSchema.optional(),
    headers: HeaderRecord.optional().meta({ description: `url: servers only. ${HEADERS_HELP}` }),
    enabled: z
      .boolean()
      .default(true)
      .meta({ description: 'Disabled servers stay configured but are not run.' }),
    args: z.array(z.string()).default([]).meta({ description: 'Arguments passed to the server.' }),
    entrypoint: z
      .array(z.string())
      .min(1)
      .optional()
      .meta({ description: 'Overrides the image entrypoint.' }),
    transport: TransportSchema,
    protocolVersion: z
      .enum(['auto', ...PROTOCOL_VERSIONS])
      .default('auto')
      .meta({
        description: 'auto negotiates (2026-era discover, then session-era initialize); or pin a revision.',
      }),
    sessionMode: z.enum(['shared', 'per-client']).default('shared').meta({
      description:
        'shared: clients multiplexed on one upstream session; per-client: one each (for stdio servers, a container each, from a warm pool).',
    }),
    sessionPool: SessionPoolSchema,
    env: envRecord
      .default({})
      .meta({ description: 'Environment variables (not secrets: use secrets for those).' }),
    secrets: z
      .record(
        z.string().regex(ENV_NAME_PATTERN, {
          error: 'expected an environment variable name ([A-Za-z_][A-Za-z0-9_]*)',
        }),
        z
          .string()
          .regex(SECRET_NAME_PATTERN, { error: 'expected a secret name ([A-Za-z0-9][A-Za-z0-9_.-]*)' }),
      )
      .default({})
      .meta({ description: 'ENV_VAR: secret-name. Values live in Podman secrets, never in this file.' }),
    sharedSecrets: z
      .array(z.string().regex(SECRET_NAME_PATTERN, { error: 'expected a secret name' }))
      .default([])
      .meta({
        description:
          'Secrets created for another server (catalog installs bind the secrets they store to their server) that this one may read too.',
      }),
    resourceLimits: ResourceLimitsSchema,
    securityPolicies: SecurityPoliciesSchema,
    health: HealthSchema,
    restart: RestartSchema,
    tools: ToolFilterSchema,
    labels: z
      .record(
        z
          .string()
          .regex(LABEL_KEY_PATTERN, { error: 'expected a label key ([A-Za-z0-9][A-Za-z0-9._-/]*)' })
          .refine((key) => !key.startsWith(RESERVED_LABEL_PREFIX), {
            error: `label keys starting with ${RESERVED_LABEL_PREFIX} are reserved for the manager`,
          }),
        z.string().max(1024),
      )
      .default({})
      .meta({ description: 'Extra labels on the container (io.mcpman.* is reserved).' }),
  })
  .superRefine((server, ctx) => {
    const transport: unknown = server.transport;
    const policies: unknown = server.securityPolicies;
    if (
      typeof transport === 'object' &&
      transport !== null &&
      (transport as { type?: unknown }).type === 'http' &&
      typeof policies === 'object' &&
      policies !== null &&
      (policies as { network?: unknown }).network === 'none'
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['securityPolicies', 'network'],
        input: 'none',
        message:
          'an http server cannot be reached without a network; use isolated (the default for http) or bridge',
      });
    }
    const env: unknown = server.env;
    const secrets: unknown = server.secrets;
    if (typeof env !== 'object' || env === null || typeof secrets !== 'object' || secrets === null) return;
    for (const name of Object.keys(secrets)) {
      if (name in env) {
        ctx.addIssue({
          code: 'custom',
          path: ['secrets', name],
          input: name,
          message: `${name} is set in both env and secrets; keep it in one place`,
        });
      }
    }
  }, ALWAYS_CHECK)
  .superRefine((server, ctx) => {
    for (const issue of remoteOrContainerIssues(server)) ctx.addIssue({ code: 'custom', ...issue });
  }, ALWAYS_CHECK);

/** What a `url:` server has instead of a container. */
export const REMOTE_ONLY_HELP =
  'applies only to servers mcpman runs in a container (source:), not to url: servers';
const CONTAINER_DEFAULTS = {
  resourceLimits: JSON.stringify(ResourceLimitsSchema.parse(undefined)),
  securityPolicies: JSON.stringify(SecurityPoliciesSchema.parse(undefined)),
};

/**
 * A server is either run by mcpman (source:) or reached where it already runs (url:). Fields of
 * the other kind are refused rather than ignored, so a config never says more than is done.
 */
function remoteOrContainerIssues(
  server: Record<string, unknown>,
): { path: string[]; input: unknown; message: string }[] {
  const transport = (server['transport'] as { type?: unknown } | undefined)?.type;
  const remoteWire = REMOTE_TRANSPORTS.some((type) => type === transport);
  if (server['url'] === undefined) {
    const issues = [];
    if (server['source'] === undefined)
      issues.push({
        path: ['source'],
        input: undefined,
        message: `is required (expected ${SOURCE_HELP}), or url: for a server mcpman does not run`,
      });
    if (server['headers'] !== undefined)
      issues.push({
        path: ['headers'],
        input: undefined,
        message: 'is for url: servers; an http server in a container takes them as transport.headers',
      });
    if (remoteWire)
      issues.push({
        path: ['transport'],
        input: transport,
        message: `${String(transport)} is for url: servers; a container speaks stdio or {type: http, port}`,
      });
    return issues;
  }
  const issues = [];
  if (server['source'] !== undefined)
    issues.push({ path: ['url'], input: undefined, message: 'give either source: or url:, not both' });
  if (transport !== undefined && !remoteWire)
    issues.push({
      path: ['transport'],
      input: transport,
      message: `a url: server is reached over ${REMOTE_TRANSPORTS.join(' or ')}`,
    });
  const set = (key: string): boolean => {
    const value = server[key];
    if (value === undefined) return false;
    if (key in CONTAINER_DEFAULTS)
      return JSON.stringify(value) !== CONTAINER_DEFAULTS[key as keyof typeof CONTAINER_DEFAULTS];
    return Array.isArray(value)
      ? value.length > 0
      : typeof value !== 'object' || Object.keys(value ?? {}).length > 0;
  };
  for (const key of ['args', 'entrypoint', 'env', 'secrets', 'resourceLimits', 'securityPolicies', 'labels'])
    if (set(key)) issues.push({ path: [key], input: undefined, message: REMOTE_ONLY_HELP });
  return issues;
}

type ServerFields = z.output<typeof ServerFieldsSchema>;

/** Defaults that depend on the kind of server, and a `url:` server's source. */
function normalizeServer(
  { url, headers, source, transport, ...rest }: ServerFields,
  ctx: z.RefinementCtx,
): Omit<ServerFields, 'url' | 'headers' | 'source' | 'transport'> & {
  source: ServerSource;
  transport: NonNullable<ServerFields['transport']>;
} {
  if (url !== undefined)
    return {
      ...rest,
      source: { type: 'remote', url, headers: headers ?? {} },
      transport: transport ?? { type: 'streamable-http' },
    };
  if (source === undefined) {
    ctx.addIssue({ code: 'custom', path: ['source'], input: undefined, message: 'is required' });
    return z.NEVER;
  }
  return { ...rest, source, transport: transport ?? { type: 'stdio' } };
}

export const ServerConfigSchema = ServerFieldsSchema.transform(normalizeServer);

const TlsSchema = z.strictObject({
  cert: z.string().min(1).meta({ description: 'PEM certificate chain file.' }),
  key: z.string().min(1).meta({ description: 'PEM private key file.' }),
  clientCa: z
    .string()
    .min(1)
    .optional()
    .meta({ description: 'PEM CA file; when set, clients need certificates (mTLS).' }),
  minVersion: z
    .enum(['TLSv1.2', 'TLSv1.3'])
    .default('TLSv1.2')
    .meta({ description: 'Oldest TLS version accepted.' }),
});

const OAuthSchema = z.strictObject({
  issuer: z.url().meta({ description: 'Authorization server issuer URL (iss).' }),
  audience: z.string().min(1).meta({ description: 'Expected aud / resource of access tokens.' }),
  jwksUri: z.url().optional().meta({ description: 'Defaults to the issuer metadata jwks_uri.' }),
  requiredScopes: z
    .array(z.string())
    .default([])
    .meta({ description: 'Scopes every access token must carry.' }),
  scopesSupported: z
    .array(z.string())
    .optional()
    .meta({ description: 'Scopes advertised in the protected resource metadata (default: requiredScopes).' }),
});

const GrantSchema = z.strictObject({
  servers: z.array(z.string()).optional().meta({ description: 'Servers it may use (default: all).' }),
  tools: z
    .array(z.string())
    .optional()
    .meta({ description: 'Tools (`server__tool`) it may call (default: all of its servers).' }),
  profiles: z.array(z.string()).optional().meta({
    description: 'Profiles it is limited to: only their endpoints answer it (default: every endpoint).',
  }),
  admin: z.boolean().default(false).meta({ description: 'May use the management API.' }),
});

const AuthSchema = z
  .strictObject({
    mode: z.enum(['none', 'token', 'oauth']).default('none').meta({
      description:
        'none: loopback use without credentials; token: mcpman API tokens; oauth: JWT access tokens.',
    }),
    oauth: OAuthSchema.optional(),
    tokensFile: z
      .string()
      .optional()
      .meta({ description: 'Token file (default <state>/tokens.json); gateways sharing it share tokens.' }),
    certificates: z.record(z.string(), GrantSchema).default({}).meta({
      description:
        'Grants for mTLS client certificates by subject CN (needs tls.clientCa); a CN not listed gets all servers, no admin.',
    }),
  })
  .superRefine((auth, ctx) => {
    if (auth.mode === 'oauth' && auth.oauth === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['oauth'],
        input: undefined,
        message: 'auth.mode oauth needs an oauth section',
      });
    }
  })
  .prefault({});

/** `${secret:NAME}` in a setting: filled from a stored secret when the gateway starts. */
const SECRET_TEMPLATE = /\$\{secret:[A-Za-z0-9][A-Za-z0-9._-]*\}/g;

/** A redis:// URL, where a password may be `${secret:NAME}` (or the whole URL a secret). */
function redisUrlOk(value: string): boolean {
  if (/^\$\{secret:[A-Za-z0-9][A-Za-z0-9._-]*\}$/.test(value)) return true;
  const plain = value.replace(SECRET_TEMPLATE, 'secret');
  return URL.canParse(plain) && /^rediss?:$/.test(new URL(plain).protocol);
}

const RedisUrlSchema = z
  .string()
  .refine(redisUrlOk, {
    error: 'expected a redis:// or rediss:// URL (a password in it may be ${secret:NAME})',
  })
  .meta({
    description:
      'redis://[user:password@]host:port[/db], or rediss:// for TLS; keep a password out of the file with ${secret:NAME}.',
  });

const RateSchema = z.strictObject({
  requests: z.number().int().min(1).meta({ description: 'Requests allowed per window.' }),
  per: duration(1000, '1m', 'Window length (whole seconds; the bucket refills at the end of each window).'),
});

const RateLimitSchema = z
  .strictObject({
    backend: z.enum(['memory', 'redis']).optional().meta({
      description:
        'memory: per process; redis: shared by every gateway on the same Redis. Default: gateway.state.backend.',
    }),
    redisUrl: RedisUrlSchema.optional().meta({
      description: 'redis://host:port when backend is redis (default: gateway.state.redisUrl).',
    }),
    perIdentity: RateSchema.optional(),
    perServer: RateSchema.optional(),
    perTool: RateSchema.optional(),
    concurrency: z
      .strictObject({
        perServer: z.number().int().min(1).default(64).meta({ description: 'Calls in flight per server.' }),
        queue: z.number().int().min(0).default(256).meta({ description: 'Calls that may wait for a slot.' }),
        maxWait: duration(0, '10s', 'Longest wait for a slot before the call is rejected.'),
      })
      .optional(),
  })
  .prefault({});

const StateSchema = z
  .strictObject({
    backend: z.enum(['memory', 'redis']).default('memory').meta({
      description:
        'memory: this process only; redis: API tokens, rate limits, session-era sessions and resumable response streams shared by every gateway replica on the same Redis.',
    }),
    redisUrl: RedisUrlSchema.optional(),
    keyPrefix: z
      .string()
      .regex(/^[A-Za-z0-9:._-]{1,64}$/, { error: 'expected letters, digits and : . _ - (at most 64)' })
      .default('mcpman:')
      .meta({ description: 'Prefix of every Redis key, so several clusters can share one Redis.' }),
  })
  .superRefine((state, ctx) => {
    if (state.backend === 'redis' && state.redisUrl === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['redisUrl'],
        input: undefined,
        message: 'backend redis needs redisUrl',
      });
  }, ALWAYS_CHECK)
  .prefault({});

/** On-demand tool discovery for an endpoint: a few gateway tools in place of every tool. */
export const DiscoverySchema = z
  .strictObject({
    mode: z.enum(['off', 'find']).default('off').meta({
      description:
        'off: tools/list gives every tool; find: it gives find_tools, call_tool and describe_tool, and a model finds the tools it needs by describing its task.',
    }),
    results: z
      .number()
      .int()
      .min(1)
      .max(50)
      .default(8)
      .meta({ description: 'Matches find_tools returns at most.' }),
  })
  .prefault({});

export const GatewayConfigSchema = z
  .strictObject({
    state: StateSchema,
    listen: hostPort('the HTTP listen address')
      .default('127.0.0.1:7420')
      .meta({ description: 'host:port of the HTTP listener (all HTTP, SSE and WebSocket endpoints).' }),
    tls: TlsSchema.optional(),
    auth: AuthSchema,
    rateLimit: RateLimitSchema,
    grpc: z
      .strictObject({
        enabled: z.boolean().default(true).meta({ description: 'Serve the gRPC transport.' }),
        listen: hostPort('the gRPC listen address').optional().meta({
          description:
            "host:port of the gRPC listener. Unset: gateway.listen's host on the port after its port (7421 beside 7420), or a free port when that one is taken; `mcpman up` and `mcpman status` say which.",
        }),
      })
      .prefault({}),
    compression: z
      .boolean()
      .default(true)
      .meta({ description: 'gzip/br on HTTP, permessage-deflate on WebSocket, gzip on gRPC.' }),
    keepAlive: z
      .strictObject({
        httpTimeout: duration(0, '65s', 'Idle HTTP keep-alive connections are closed after this.'),
        sseHeartbeat: duration(100, '15s', 'Comment line sent on idle SSE streams.'),
        wsPing: duration(100, '30s', 'WebSocket ping interval; a peer that misses a pong is closed.'),
        grpcPing: duration(1000, '30s', 'gRPC keepalive ping interval.'),
      })
      .prefault({}),
    maxRequestBytes: size('maxRequestBytes', 1024, '4Mi', 'Largest request body or message accepted.'),
    sessionIdleTimeout: duration(
      1000,
      '30m',
      'Streamable HTTP sessions with no request and no open stream for this long are closed.',
    ),
    sessionLimits: z
      .strictObject({
        total: z
          .number()
          .int()
          .min(1)
          .default(4096)
          .meta({ description: 'Client sessions open at once, over every transport.' }),
        perIdentity: z
          .number()
          .int()
          .min(1)
          .default(256)
          .meta({ description: 'Client sessions one identity (a token, a user, anonymous) may hold open.' }),
        streamsPerSession: z.number().int().min(1).default(64).meta({
          description:
            'Streamable HTTP response streams a session keeps for resumption (finished ones are dropped first).',
        }),
        subscriptionsPerSession: z
          .number()
          .int()
          .min(1)
          .default(1024)
          .meta({ description: 'Resource subscriptions one session may hold.' }),
      })
      .prefault({})
      .meta({ description: "Caps that keep one client from holding the gateway's memory." }),
    pageSize: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(500)
      .meta({ description: 'Items per page of merged lists (tools, prompts, resources) on /mcp.' }),
    discovery: DiscoverySchema.meta({
      description: 'On-demand tool discovery on /mcp (profiles set their own).',
    }),
    allowedOrigins: z.array(browserOrigin).default([]).meta({
      description:
        "Browser origins (scheme://host[:port], matched exactly) allowed besides the gateway's own.",
    }),
    allowedHosts: z.array(hostName).default([]).meta({
      description:
        "Names the gateway answers to (Host header) besides loopback ones and its certificate's: `name`, `*.domain` or `name:port` (DNS-rebinding defence).",
    }),
    cors: z
      .strictObject({ origins: z.array(z.string()).min(1) })
      .optional()
      .meta({ description: 'CORS is off unless origins are listed here.' }),
    tracing: z
      .strictObject({
        otlp: z
          .strictObject({
            endpoint: z
              .url({
                protocol: /^https?$/,
                error: 'expected an http(s) URL such as http://127.0.0.1:4318/v1/traces',
              })
              .meta({ description: 'OTLP/HTTP traces endpoint.' }),
            headers: z.record(z.string(), z.string()).default({}).meta({
              description: 'Headers for the collector; keep an API key out of the file with ${secret:NAME}.',
            }),
          })
          .optional()
          .meta({ description: 'Export spans over OTLP/HTTP; off when absent.' }),
      })
      .prefault({})
      .meta({ description: 'OpenTelemetry spans per request (off unless an exporter is set).' }),
    audit: z
      .strictObject({
        enabled: z.boolean().default(true).meta({ description: 'Write the audit log.' }),
        file: z.string().optional().meta({ description: 'Audit log file (default <state>/audit.log).' }),
        arguments: z
          .boolean()
          .default(false)
          .meta({ description: 'Include tool-call arguments (secret values are still redacted).' }),
        maxSize: size('gateway.audit.maxSize', 1024, '10Mi', 'Rotate the file when it reaches this size.'),
        keep: z.number().int().min(1).max(100).default(5).meta({ description: 'Rotated files kept.' }),
      })
      .prefault({}),
  })
  .superRefine((gateway, ctx) => {
    const limit = gateway.rateLimit as { backend?: unknown; redisUrl?: unknown } | undefined;
    const state = gateway.state as { redisUrl?: unknown } | undefined;
    if (limit?.backend === 'redis' && limit.redisUrl === undefined && state?.redisUrl === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['rateLimit', 'redisUrl'],
        input: undefined,
        message: 'backend redis needs redisUrl (here, or gateway.state.redisUrl)',
      });
  }, ALWAYS_CHECK)
  .prefault({});

/** Where rate-limit buckets live: rateLimit's own backend, else the gateway's shared state. */
export function rateLimitBackend(gateway: GatewayConfig): { backend: 'memory' | 'redis'; redisUrl?: string } {
  const backend = gateway.rateLimit.backend ?? gateway.state.backend;
  const redisUrl = gateway.rateLimit.redisUrl ?? gateway.state.redisUrl;
  return backend === 'redis' && redisUrl !== undefined ? { backend, redisUrl } : { backend: 'memory' };
}

export const ImagesConfigSchema = z
  .strictObject({
    base: z
      .string()
      .regex(/^[a-zA-Z0-9][a-zA-Z0-9._\-/:@]*$/, { error: 'expected an image reference' })
      .optional()
      .meta({
        description:
          'Base image for npx:// servers. Default: a Node LTS image, or the local base from set-up.',
      }),
    npmInstall: z.enum(['engine', 'host']).default('engine').meta({
      description:
        "Where npm installs npx:// packages: engine (a build container; nothing of a package's dependency tree runs on this machine) or host (this machine's npm with --ignore-scripts, which has gaps such as git dependencies).",
    }),
  })
  .prefault({});

const LogLevelSchema = z.enum(LOGGER_LEVELS, { error: `expected a log level: ${LOGGER_LEVELS.join(', ')}` });

export const LoggingConfigSchema = z
  .strictObject({
    level: LogLevelSchema.default('info').meta({ description: 'Level of every component not named below.' }),
    components: z
      .partialRecord(
        z.enum(LOG_COMPONENTS, { error: `expected a component: ${LOG_COMPONENTS.join(', ')}` }),
        LogLevelSchema,
      )
      .default({})
      .meta({ description: 'Levels per component (manager, runtime, engine, gateway, auth, api, server).' }),
    servers: z
      .record(z.string().regex(SERVER_NAME_PATTERN, { error: 'expected a server name' }), LogLevelSchema)
      .default({})
      .meta({ description: 'Levels per server: its output lines and MCP log messages.' }),
    format: z
      .enum(['auto', 'json', 'pretty'])
      .default('auto')
      .meta({ description: 'Console lines: pretty on a terminal (auto), or always JSON or pretty.' }),
    file: z.string().optional().meta({
      description:
        "The manager's JSON log (default <state>/managers/<owner>/mcpman.log: one per config file).",
    }),
  })
  .prefault({});

export const TelemetryConfigSchema = z
  .strictObject({
    enabled: z.boolean().default(false).meta({
      description: 'Record anonymous usage events (no arguments, no server names). Off by default.',
    }),
    file: z
      .string()
      .optional()
      .meta({ description: 'Where the CLI writes them (default <state>/managers/<owner>/telemetry.jsonl).' }),
  })
  .prefault({});

/** The official MCP Registry: the default, and what the bundled catalog is refreshed from. */
export const OFFICIAL_REGISTRY = 'https://registry.modelcontextprotocol.io';

/** Profile names end up in URLs (`/profiles/<name>/mcp`) like server names do. */
export const PROFILE_NAME_PATTERN = SERVER_NAME_PATTERN;

export const ProfileServerSchema = z
  .strictObject({
    tools: ToolFilterSchema.meta({
      description:
        "Glob patterns of this server's tools the profile shows, within what the server's own tools filter exposes.",
    }),
  })
  .prefault({});

export const ProfileSchema = z
  .strictObject({
    description: z
      .string()
      .max(500)
      .optional()
      .meta({ description: 'What the profile is for (shown in ls and the dashboard).' }),
    servers: z
      .record(
        z.string().regex(SERVER_NAME_PATTERN, { error: `expected a server name: ${SERVER_NAME_HELP}` }),
        ProfileServerSchema,
      )
      .default({})
      .meta({
        description: 'The servers the profile includes, each with the tools of it the profile shows.',
      }),
    discovery: DiscoverySchema.meta({ description: "On-demand tool discovery on the profile's endpoint." }),
  })
  .meta({
    description:
      'A named share of the gateway: its own endpoint on every transport (/profiles/<name>/mcp, /sse, /ws; gRPC metadata mcp-profile) that sees only these servers and tools.',
  });

export const McpmanConfigSchema = z
  .strictObject({
    $schema: z.string().optional(),
    version: z
      .literal(1, { error: 'expected version: 1' })
      .meta({ description: 'Config format version; always 1.' }),
    gateway: GatewayConfigSchema,
    images: ImagesConfigSchema,
    logging: LoggingConfigSchema,
    telemetry: TelemetryConfigSchema,
    registries: z
      .array(
        z.string().refine(loopbackOrHttps, {
          error: 'expected the https:// URL of an MCP registry (plain http only on 127.0.0.1 or localhost)',
        }),
      )
      .default([OFFICIAL_REGISTRY])
      .meta({
        description:
          'MCP registries (the v0.1 registry API) that `mcpman search` and `add <name>` ask, in order; the bundled catalog answers when none does.',
      }),
    servers: z
      .record(
        z.string().regex(SERVER_NAME_PATTERN, { error: `expected a server name: ${SERVER_NAME_HELP}` }),
        ServerConfigSchema,
      )
      .default({}),
    profiles: z
      .record(
        z.string().regex(PROFILE_NAME_PATTERN, { error: `expected a profile name: ${SERVER_NAME_HELP}` }),
        ProfileSchema,
      )
      .default({})
      .meta({ description: 'Named shares of the gateway, each with its own endpoint (see ProfileSchema).' }),
  })
  .superRefine((config, ctx) => {
    const servers: unknown = config.servers;
    const profiles: unknown = config.profiles;
    if (typeof servers !== 'object' || servers === null || typeof profiles !== 'object' || profiles === null)
      return;
    const known = Object.keys(servers);
    for (const [profile, definition] of Object.entries(profiles as Record<string, { servers?: unknown }>)) {
      const included = definition.servers;
      if (typeof included !== 'object' || included === null) continue;
      for (const name of Object.keys(included)) {
        if (known.includes(name)) continue;
        ctx.addIssue({
          code: 'custom',
          path: ['profiles', profile, 'servers', name],
          input: name,
          message:
            known.length === 0
              ? `${name} is not a server in this config (servers: is empty)`
              : `${name} is not a server in this config; expected one of ${known.join(', ')}`,
        });
      }
    }
  }, ALWAYS_CHECK)
  .meta({
    title: 'mcpman configuration',
    description: 'MCP Server Manager: servers to run in Podman and the gateway in front of them.',
  });

export type McpmanConfig = z.output<typeof McpmanConfigSchema>;
export type MCPServerConfig = z.output<typeof ServerConfigSchema>;
export type ProfileConfig = z.output<typeof ProfileSchema>;
export type MCPServerConfigInput = z.input<typeof ServerConfigSchema>;
export type GatewayConfig = z.output<typeof GatewayConfigSchema>;
export type StateConfig = GatewayConfig['state'];
export type ResourceLimits = MCPServerConfig['resourceLimits'];
export type SecurityPolicies = MCPServerConfig['securityPolicies'];
