import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfigText } from './loader.js';
import type { McpmanConfig } from './schema.js';

/** Set `value` at a dotted path inside a fresh, valid config and validate it. */
function withField(path: string, value: unknown): { config?: McpmanConfig; paths: string[] } {
  const root: Record<string, unknown> = {
    version: 1,
    servers: { everything: { source: 'npx://@modelcontextprotocol/server-everything@2026.8.31' } },
  };
  const keys = path.split('.');
  let node = root;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]!] = value;
  try {
    return { config: parseConfigText(JSON.stringify(root)).config, paths: [] };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return { paths: error.issues.map((issue) => issue.path) };
  }
}

const S = 'servers.everything';

/** [field path, accepted values, rejected values] for every field of the config. */
const FIELD_CASES: readonly [string, readonly unknown[], readonly unknown[]][] = [
  ['version', [1], [2, '1', null]],
  [
    `${S}.source`,
    [
      'npx://pkg@1.0.0',
      'npx://@scope/pkg',
      'image:docker.io/mcp/x:1',
      'build:./srv',
      { npx: 'pkg@1', bin: 'b' },
      { image: 'x', pull: 'always' },
      { build: '.', containerfile: 'Dockerfile', buildArgs: { A: 'b' } },
      'pypi://mcp-server-time@2025.1.1',
      'pypi://mcp_server.git',
      { pypi: 'mcp-server-time@1.0rc1', bin: 'mcp-server-time', index: 'https://pypi.example.com/simple/' },
    ],
    [
      'pypi://Bad Name',
      'pypi://x@>=1.0',
      { pypi: 'x', index: 'ftp://mirror' },
      'pip://x',
      'uvx://x',
      'npx://Bad Name',
      'image:',
      { image: 'x', pull: 'sometimes' },
      { npx: 'x', extra: 1 },
      42,
      null,
    ],
  ],
  [`${S}.enabled`, [true, false], ['yes', 1]],
  [`${S}.args`, [[], ['stdio', '--flag']], ['stdio', [1]]],
  [`${S}.entrypoint`, [['/usr/local/bin/node', 'x.js']], [[], 'node']],
  [
    `${S}.transport`,
    ['stdio', { type: 'stdio' }, { type: 'http', port: 3001 }, { type: 'http', port: 8080, path: '/x' }],
    [
      'http',
      'sse',
      { type: 'http' },
      { type: 'http', port: 0 },
      { type: 'http', port: 70000 },
      { type: 'http', port: 1, path: 'mcp' },
      { type: 'ws', port: 1 },
    ],
  ],
  [
    `${S}.protocolVersion`,
    ['auto', '2024-11-05', '2025-03-26', '2025-06-18', '2025-11-25', '2026-07-28'],
    ['2099-01-01', 'latest', 2025],
  ],
  [`${S}.sessionMode`, ['shared', 'per-client'], ['per-session', true]],
  [`${S}.env`, [{}, { LOG_LEVEL: 'info', _X: '' }], [{ 'BAD-NAME': 'x' }, { '1X': 'x' }, { A: 1 }, ['A=b']]],
  [
    `${S}.secrets`,
    [{ API_TOKEN: 'my-secret' }, { T: 'a.b_c-d' }],
    [{ API_TOKEN: 'has space' }, { 'bad-env': 's' }, { T: '' }],
  ],
  [
    `${S}.resourceLimits.memory`,
    [6291456, '512Mi', '1Gi', '256m', '1.5g', '100MB'],
    ['5 GB', '1Zb', -1, '1Ki', 1.5, true],
  ],
  [`${S}.resourceLimits.cpus`, [0.25, 1, 4], [0, -1, '1', 2000]],
  [`${S}.resourceLimits.pids`, [8, 256, 100000], [0, 7, 1.5, '64']],
  [`${S}.securityPolicies.network`, ['none', 'isolated', 'bridge'], ['host', 'internet', '']],
  [`${S}.securityPolicies.readOnlyRootfs`, [true, false], ['no']],
  [
    `${S}.securityPolicies.user`,
    ['1000', '1000:1000', '65534:65534'],
    ['root', 'node', '0', '0:0', '1000:', 1000],
  ],
  [`${S}.securityPolicies.allowRoot`, [false, true], ['true']],
  [`${S}.securityPolicies.tmpfsSize`, ['16Mi', 1048576], ['1k', 'lots']],
  [
    `${S}.securityPolicies.mounts`,
    [[], [{ source: '.', target: '/data' }], [{ source: '/x', target: '/y', readOnly: false }]],
    [
      [{ source: '.', target: 'data' }],
      [{ target: '/data' }],
      [{ source: '.', target: '/d', mode: 'rw' }],
      {},
    ],
  ],
  [`${S}.health.interval`, ['10s', 500, '1m', '250ms'], ['soon', 50, '10 seconds', -5]],
  [`${S}.health.timeout`, ['5s', 100], ['forever', 1]],
  [`${S}.health.failureThreshold`, [1, 3, 100], [0, 101, 2.5]],
  [`${S}.health.startupTimeout`, ['30s', '2m'], ['1d', 10]],
  [`${S}.restart.policy`, ['no', 'on-failure', 'always'], ['never', 'unless-stopped']],
  [`${S}.restart.maxRetries`, [0, 5, 1000], [-1, 1001, 'five']],
  [`${S}.restart.initialDelay`, ['1s', 0], ['later']],
  [`${S}.restart.maxDelay`, ['30s', '5m'], [[]]],
  [`${S}.tools.allow`, [['*'], ['echo', 'get-*']], [[''], 'echo']],
  [`${S}.tools.deny`, [[], ['delete_*']], [[''], [1]]],
  [
    `${S}.labels`,
    [{ team: 'ai' }, { 'app.kubernetes.io/name': 'x' }],
    [{ 'io.mcpman.server': 'x' }, { team: 1 }, { '-bad': 'x' }],
  ],
  [`${S}.unknownField`, [], [1]],
  [
    'gateway.listen',
    ['127.0.0.1:7420', '0.0.0.0:80', '[::1]:7420', 'localhost:0'],
    ['7420', '127.0.0.1', '127.0.0.1:99999', ':7420'],
  ],
  [
    'gateway.tls',
    [
      { cert: 'c.pem', key: 'k.pem' },
      { cert: 'c', key: 'k', clientCa: 'ca', minVersion: 'TLSv1.3' },
    ],
    [{ cert: 'c.pem' }, { cert: 'c', key: 'k', minVersion: 'TLSv1.0' }],
  ],
  [
    'gateway.auth',
    [
      { mode: 'none' },
      { mode: 'token' },
      { mode: 'oauth', oauth: { issuer: 'https://id.example', audience: 'mcp' } },
    ],
    [{ mode: 'oauth' }, { mode: 'basic' }, { mode: 'oauth', oauth: { issuer: 'not a url', audience: 'x' } }],
  ],
  [
    'gateway.rateLimit',
    [
      { backend: 'memory' },
      {
        backend: 'redis',
        redisUrl: 'redis://127.0.0.1:6379',
        perIdentity: { requests: 100, per: '1m' },
        concurrency: { perServer: 8 },
      },
    ],
    [{ backend: 'redis' }, { perTool: { requests: 0 } }, { backend: 'disk' }],
  ],
  [
    'gateway.grpc',
    [{ enabled: false }, { listen: '127.0.0.1:9000' }],
    [{ listen: 'nowhere' }, { enabled: 'yes' }],
  ],
  ['gateway.compression', [true, false], ['gzip']],
  [
    'gateway.keepAlive',
    [{ sseHeartbeat: '15s', wsPing: '30s', grpcPing: '1m', httpTimeout: 0 }],
    [{ sseHeartbeat: '1ms' }, { grpcPing: 10 }, { tcp: true }],
  ],
  ['gateway.maxRequestBytes', ['4Mi', 2048], ['1b', 'big']],
  ['gateway.allowedOrigins', [[], ['https://app.example']], ['https://app.example']],
  ['gateway.cors', [{ origins: ['https://app.example'] }], [{ origins: [] }, { origin: ['x'] }]],
  [
    'images.base',
    ['localhost/mcpman-node-base:20.20.2', 'docker.io/library/node:22-slim'],
    ['not an image', 5],
  ],
  [
    'gateway.tracing',
    [
      {},
      { otlp: { endpoint: 'http://127.0.0.1:4318/v1/traces' } },
      { otlp: { endpoint: 'https://c/v1/traces', headers: { a: 'b' } } },
    ],
    [{ otlp: { endpoint: 'ftp://x' } }, { otlp: {} }, { jaeger: {} }],
  ],
  ['logging.level', ['info', 'debug', 'silent'], ['verbose', 3]],
  [
    'logging.components',
    [{}, { gateway: 'debug', server: 'warn' }],
    [{ network: 'debug' }, { gateway: 'loud' }],
  ],
  ['logging.servers', [{ everything: 'debug' }], [{ 'Bad Name': 'info' }, { everything: 'noisy' }]],
  ['logging.format', ['auto', 'json', 'pretty'], ['text']],
  ['logging.file', ['logs/mcpman.log'], [5]],
  ['telemetry.enabled', [true, false], ['yes']],
  ['telemetry.file', ['telemetry.jsonl'], [false]],
];

describe('config schema: every field', () => {
  for (const [path, accepted, rejected] of FIELD_CASES) {
    describe(path, () => {
      for (const value of accepted) {
        it(`accepts ${JSON.stringify(value)}`, () => {
          expect(withField(path, value).paths).toEqual([]);
        });
      }
      for (const value of rejected) {
        it(`rejects ${JSON.stringify(value)} and names the path`, () => {
          const { paths } = withField(path, value);
          expect(paths.length).toBeGreaterThan(0);
          expect(paths.some((p) => p.startsWith(path.replace(/\.unknownField$/, '')))).toBe(true);
        });
      }
    });
  }
});

describe('config schema: defaults and normalisation', () => {
  it('fills every default for a server with only a source', () => {
    const { config } = withField(`${S}.args`, ['stdio']);
    const server = config!.servers['everything']!;
    expect(server.source).toEqual({
      type: 'npx',
      package: '@modelcontextprotocol/server-everything',
      version: '2026.8.31',
    });
    expect(server.transport).toEqual({ type: 'stdio' });
    expect(server.resourceLimits).toEqual({ memory: 512 * 1024 ** 2, cpus: 1, pids: 256 });
    expect(server.securityPolicies).toEqual({
      readOnlyRootfs: true,
      user: '1000:1000',
      allowRoot: false,
      tmpfsSize: 64 * 1024 ** 2,
      mounts: [],
    });
    expect(server.health).toEqual({
      interval: 10_000,
      timeout: 5_000,
      failureThreshold: 3,
      startupTimeout: 60_000,
    });
    expect(server.restart).toEqual({
      policy: 'on-failure',
      maxRetries: 5,
      initialDelay: 1_000,
      maxDelay: 30_000,
    });
    expect(server.tools).toEqual({ allow: ['*'], deny: [] });
    expect(server.protocolVersion).toBe('auto');
    expect(server.sessionMode).toBe('shared');
    expect(config!.gateway.listen).toBe('127.0.0.1:7420');
    // No gRPC address: the gateway puts it beside the HTTP port (grpcListenOf).
    expect(config!.gateway.grpc).toEqual({ enabled: true });
    expect(config!.gateway.maxRequestBytes).toBe(4 * 1024 ** 2);
    expect(config!.gateway.auth.mode).toBe('none');
  });

  it('normalises sources, transports, sizes and durations', () => {
    const http = withField(`${S}.transport`, { type: 'http', port: 3001 }).config!;
    expect(http.servers['everything']!.transport).toEqual({
      type: 'http',
      port: 3001,
      path: '/mcp',
      headers: {},
    });
    const image = withField(`${S}.source`, 'image:docker.io/mcp/everything:latest').config!;
    expect(image.servers['everything']!.source).toEqual({
      type: 'image',
      ref: 'docker.io/mcp/everything:latest',
      pull: 'missing',
    });
    const build = withField(`${S}.source`, 'build:./server').config!;
    expect(build.servers['everything']!.source).toEqual({
      type: 'build',
      context: './server',
      containerfile: 'Containerfile',
      buildArgs: {},
    });
    const latest = withField(`${S}.source`, 'npx://@scope/pkg').config!;
    expect(latest.servers['everything']!.source).toMatchObject({ package: '@scope/pkg', version: 'latest' });
    const sized = withField(`${S}.resourceLimits.memory`, '1.5Gi').config!;
    expect(sized.servers['everything']!.resourceLimits.memory).toBe(1.5 * 1024 ** 3);
    const timed = withField(`${S}.health.interval`, '2m').config!;
    expect(timed.servers['everything']!.health.interval).toBe(120_000);
  });

  it('accepts root only with allowRoot, and reports it beside other policy mistakes', () => {
    expect(withField(`${S}.securityPolicies`, { user: '0', allowRoot: true }).paths).toEqual([]);
    const { paths } = withField(`${S}.securityPolicies`, { user: '0', network: 'internet' });
    expect(paths).toEqual([`${S}.securityPolicies.network`, `${S}.securityPolicies.user`]);
    // uid 0 spelled otherwise is root all the same (the container spec reads it as a number).
    for (const user of ['00', '000:0', '0:1000'])
      expect(withField(`${S}.securityPolicies`, { user }).paths, user).toEqual([
        `${S}.securityPolicies.user`,
      ]);
  });

  it('refuses an http server without a network, and leaves the choice of default to the transport', () => {
    expect(
      withField(S, {
        source: 'image:x',
        transport: { type: 'http', port: 1 },
        securityPolicies: { network: 'none' },
      }).paths,
    ).toEqual([`${S}.securityPolicies.network`]);
    const http = withField(S, { source: 'image:x', transport: { type: 'http', port: 1 } }).config!;
    expect(http.servers['everything']!.securityPolicies.network).toBeUndefined();
  });

  it('refuses a variable set both as env and as a secret', () => {
    const { paths } = withField(S, { source: 'image:x', env: { TOKEN: 'a' }, secrets: { TOKEN: 'tok' } });
    expect(paths).toEqual([`${S}.secrets.TOKEN`]);
  });

  it('refuses bad server names with the reason', () => {
    for (const name of ['Everything', 'a_b', '-a', 'a-', 'x'.repeat(49), '']) {
      const text = JSON.stringify({ version: 1, servers: { [name]: { source: 'image:x' } } });
      expect(() => parseConfigText(text), name).toThrow(/expected a server name/);
    }
    for (const name of ['a', 'everything', 'my-server-2', 'x'.repeat(48)]) {
      const text = JSON.stringify({ version: 1, servers: { [name]: { source: 'image:x' } } });
      expect(parseConfigText(text).config.servers[name], name).toBeDefined();
    }
  });
});

describe('config schema: url: servers (remote, not run by mcpman)', () => {
  const R = 'servers.docs';
  const parse = (server: Record<string, unknown>): { config?: McpmanConfig; issues: string[] } => {
    try {
      return {
        config: parseConfigText(JSON.stringify({ version: 1, servers: { docs: server } })).config,
        issues: [],
      };
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      return { issues: error.issues.map((issue) => `${issue.path}: ${issue.message}`) };
    }
  };

  it('normalises a url: server to a remote source with Streamable HTTP by default', () => {
    const server = parse({
      url: 'https://mcp.example.com/mcp',
      headers: { Authorization: 'Bearer ${secret:docs-token}' },
    }).config!.servers['docs']!;
    expect(server.source).toEqual({
      type: 'remote',
      url: 'https://mcp.example.com/mcp',
      headers: { Authorization: 'Bearer ${secret:docs-token}' },
    });
    expect(server.transport).toEqual({ type: 'streamable-http' });
    expect(
      parse({ url: 'http://127.0.0.1:3001/sse', transport: 'sse' }).config!.servers['docs']!.transport,
    ).toEqual({ type: 'sse' });
  });

  it('gives a container server stdio by default, as before', () => {
    expect(parse({ source: 'image:x' }).config!.servers['docs']!.transport).toEqual({ type: 'stdio' });
  });

  it('refuses a server with neither source: nor url:, or with both', () => {
    expect(parse({ enabled: true }).issues).toEqual([
      expect.stringMatching(/^servers\.docs\.source: is required .*or url: for a server mcpman does not run/),
    ]);
    expect(parse({ source: 'image:x', url: 'https://a.example/mcp' }).issues).toEqual([
      `${R}.url: give either source: or url:, not both`,
    ]);
  });

  it('refuses container fields on a url: server instead of ignoring them', () => {
    const { issues } = parse({
      url: 'https://a.example/mcp',
      args: ['--x'],
      env: { A: 'b' },
      resourceLimits: { memory: '1Gi' },
      securityPolicies: { network: 'bridge' },
      transport: 'stdio',
    });
    expect(issues.sort()).toEqual(
      [
        `${R}.args: applies only to servers mcpman runs in a container (source:), not to url: servers`,
        `${R}.env: applies only to servers mcpman runs in a container (source:), not to url: servers`,
        `${R}.resourceLimits: applies only to servers mcpman runs in a container (source:), not to url: servers`,
        `${R}.securityPolicies: applies only to servers mcpman runs in a container (source:), not to url: servers`,
        `${R}.transport: a url: server is reached over streamable-http or sse`,
      ].sort(),
    );
  });

  it('refuses remote fields on a container server', () => {
    expect(parse({ source: 'image:x', transport: 'sse', headers: { A: 'b' } }).issues.sort()).toEqual([
      `${R}.headers: is for url: servers; an http server in a container takes them as transport.headers`,
      `${R}.transport: sse is for url: servers; a container speaks stdio or {type: http, port}`,
    ]);
  });

  it('takes http(s) URLs only, without credentials in them', () => {
    expect(parse({ url: 'ftp://a.example/mcp' }).issues).toEqual([
      `${R}.url: expected an http:// or https:// URL`,
    ]);
    // Not a URL at all (as a form has it while it is being typed): an issue, not an exception.
    for (const url of ['', 'not a url'])
      expect(parse({ url }).issues).toEqual([`${R}.url: expected an http:// or https:// URL`]);
    expect(parse({ url: 'https://user:pw@a.example/mcp' }).issues).toEqual([
      `${R}.url: a URL cannot carry a user name or password; put credentials in headers with \${secret:NAME}`,
    ]);
    expect(parse({ url: 'https://a.example/mcp', headers: { 'Bad Header': 'x' } }).issues).toEqual([
      expect.stringMatching(/^servers\.docs\.headers.*expected an HTTP header name/),
    ]);
  });
});

describe('config schema: profiles', () => {
  const servers = { github: { source: 'image:github' }, memory: { source: 'image:memory' } };
  const parse = (profiles: unknown): McpmanConfig =>
    parseConfigText(JSON.stringify({ version: 1, servers, profiles })).config;
  const issuesOf = (profiles: unknown): string[] => {
    try {
      parse(profiles);
      return [];
    } catch (error) {
      return (error as ConfigError).issues.map((issue) => `${issue.path}: ${issue.message}`);
    }
  };

  it('takes servers with tool filters, filling allow-everything for a server named bare', () => {
    const config = parse({
      coding: {
        description: 'for the editor',
        servers: { github: { tools: { allow: ['search_*'] } }, memory: {} },
      },
    });
    expect(config.profiles['coding']).toEqual({
      description: 'for the editor',
      servers: {
        github: { tools: { allow: ['search_*'], deny: [] } },
        memory: { tools: { allow: ['*'], deny: [] } },
      },
      discovery: { mode: 'off', results: 8 },
    });
    expect(parseConfigText(JSON.stringify({ version: 1, servers })).config.profiles).toEqual({});
  });

  it('refuses a server the config does not have, naming the profile, the server and what exists', () => {
    expect(issuesOf({ coding: { servers: { gitlab: {} } } })).toEqual([
      'profiles.coding.servers.gitlab: gitlab is not a server in this config; expected one of github, memory',
    ]);
  });

  it('refuses bad profile names and unknown fields with the path', () => {
    expect(issuesOf({ Coding: { servers: {} } }).join('\n')).toMatch(/expected a profile name/);
    expect(issuesOf({ coding: { servers: {}, tool: [] } }).join('\n')).toMatch(/^profiles\.coding/);
    expect(issuesOf({ coding: { servers: { github: { tools: { allow: [''] } } } } }).join('\n')).toMatch(
      /^profiles\.coding\.servers\.github\.tools\.allow\[0\]/,
    );
  });
});
