import fc from 'fast-check';

/** The kinds of bad input the fuzz run sends, each a way clients (or attackers) get it wrong. */
export type FuzzKind =
  | 'broken-json'
  | 'wrong-types'
  | 'huge-id'
  | 'deep-nesting'
  | 'oversized'
  | 'invalid-utf8'
  | 'unknown-method'
  | 'junk-batch';

export interface FuzzCase {
  readonly kind: FuzzKind;
  readonly body: Buffer;
}

const text = (value: string): Buffer => Buffer.from(value, 'utf8');

/** Valid JSON cut short or with a stray character: never parses. */
const brokenJson = fc
  .tuple(fc.jsonValue({ maxDepth: 3 }), fc.nat(), fc.constantFrom('{', '"', ',', ']', '\\', '}{'))
  .map(([value, cut, junk]) => {
    const json = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { value } });
    return text(`${json.slice(0, 1 + (cut % Math.max(1, json.length - 1)))}${junk}`);
  });

/** JSON-RPC members of the wrong type. */
const wrongTypes = fc
  .record({
    jsonrpc: fc.oneof(fc.constant('2.0'), fc.constant('1.0'), fc.integer(), fc.constant(null)),
    id: fc.oneof(
      fc.boolean(),
      fc.double(),
      fc.object({ maxDepth: 1 }),
      fc.array(fc.integer()),
      fc.constant(null),
    ),
    method: fc.oneof(fc.integer(), fc.array(fc.string()), fc.object({ maxDepth: 1 }), fc.constant('')),
    params: fc.oneof(fc.string(), fc.integer(), fc.array(fc.anything({ maxDepth: 1 }))),
  })
  .map((message) => text(JSON.stringify(message)));

const hugeId = (maxBytes: number): fc.Arbitrary<Buffer> =>
  fc
    .oneof(
      fc.integer({ min: 10_000, max: maxBytes - 100 }).map((n) => `"${'9'.repeat(n)}"`),
      fc.constantFrom('1e308', '-1e308', '12345678901234567890123456789012345678901234567890', '1.5e-400'),
    )
    .map((id) => text(`{"jsonrpc":"2.0","id":${id},"method":"ping"}`));

/** Nesting deep enough to exhaust a recursive parser's stack, within the size limit. */
const deepNesting = (maxBytes: number): fc.Arbitrary<Buffer> =>
  fc
    .tuple(fc.integer({ min: 1_000, max: Math.floor((maxBytes - 100) / 6) }), fc.boolean())
    .map(([depth, inParams]) =>
      text(
        inParams
          ? `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`
          : `${'['.repeat(depth)}${']'.repeat(depth)}`,
      ),
    );

const invalidUtf8 = fc
  .tuple(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.boolean())
  .map(([bytes, wrapped]) => {
    const bad = Buffer.concat([
      Buffer.from([0xff, 0xfe, 0xc3]),
      Buffer.from(bytes),
      Buffer.from([0xed, 0xa0, 0x80]),
    ]);
    return wrapped ? Buffer.concat([text('{"jsonrpc":"2.0","id":1,"method":"'), bad, text('"}')]) : bad;
  });

const unknownMethod = fc
  .tuple(fc.string({ minLength: 1, maxLength: 40 }), fc.integer())
  .map(([method, id]) => text(JSON.stringify({ jsonrpc: '2.0', id, method: `x/${method}`, params: {} })));

const junkBatch = fc
  .array(fc.oneof(fc.integer(), fc.string(), fc.constant(null), fc.array(fc.integer())), { maxLength: 8 })
  .map((items) => text(JSON.stringify(items)));

/**
 * `count` malformed messages from a fixed seed (the same run every time), mixed across kinds;
 * oversized bodies are rarer since each is bigger than `maxBytes`.
 */
export function malformedMessages(count: number, seed: number, maxBytes: number): FuzzCase[] {
  const oversized = fc
    .integer({ min: 1, max: 4096 })
    .map((extra) =>
      text(`{"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":"${'x'.repeat(maxBytes + extra)}"}}`),
    );
  const arbitrary = fc.oneof(
    { weight: 10, arbitrary: brokenJson.map((body) => ({ kind: 'broken-json' as const, body })) },
    { weight: 10, arbitrary: wrongTypes.map((body) => ({ kind: 'wrong-types' as const, body })) },
    { weight: 3, arbitrary: hugeId(maxBytes).map((body) => ({ kind: 'huge-id' as const, body })) },
    { weight: 3, arbitrary: deepNesting(maxBytes).map((body) => ({ kind: 'deep-nesting' as const, body })) },
    { weight: 1, arbitrary: oversized.map((body) => ({ kind: 'oversized' as const, body })) },
    { weight: 6, arbitrary: invalidUtf8.map((body) => ({ kind: 'invalid-utf8' as const, body })) },
    { weight: 10, arbitrary: unknownMethod.map((body) => ({ kind: 'unknown-method' as const, body })) },
    { weight: 4, arbitrary: junkBatch.map((body) => ({ kind: 'junk-batch' as const, body })) },
  );
  return fc.sample(arbitrary, { numRuns: count, seed });
}

/** Tally of one transport's run, printed by the test. */
export class FuzzTally {
  sent = 0;
  errors = 0;
  /** 5xx answers or a gateway that stopped answering. */
  crashes = 0;
  readonly byKind = new Map<FuzzKind, number>();

  record(kind: FuzzKind): void {
    this.sent += 1;
    this.byKind.set(kind, (this.byKind.get(kind) ?? 0) + 1);
  }

  line(transport: string): string {
    const kinds = [...this.byKind.entries()].map(([k, n]) => `${k} ${n}`).join(', ');
    return `fuzz ${transport}: ${this.sent} cases sent (${kinds}); ${this.errors} errors returned; crashes: ${this.crashes}`;
  }
}

/** Path segments that break decoders and path logic: bad escapes, traversal, NULs, long runs. */
const badSegment = fc.oneof(
  fc.constantFrom(
    '%',
    '%E0',
    '%ZZ',
    '%C0%AF',
    '%ED%A0%80',
    '%00',
    '..',
    '%2e%2e',
    '%2F',
    '%u0041',
    '%%',
    '\u00e9',
  ),
  fc.string({ maxLength: 12 }).map((s) => encodeURIComponent(s)),
  fc.integer({ min: 256, max: 6000 }).map((n) => 'a'.repeat(n)),
  fc.stringMatching(/^[%0-9A-Fa-z]{1,9}$/),
);

/** Where a listener routes: the gateway's routes, with a fuzzed segment or two. */
const requestPath = fc
  .tuple(
    fc.constantFrom(
      '/mcp',
      '/servers/$/mcp',
      '/servers/$/sse',
      '/servers/$/messages',
      '/servers/$/ws',
      '/sse',
      '/messages',
      '/ws',
      '/api/v1/servers/$',
      '/api/v1/servers/$/restart',
      '/api/v1/tokens/$',
      '/api/v1/rpc',
      '/api/v1/events',
      '/assets/$',
      '/.well-known/oauth-protected-resource/servers/$/mcp',
      '/$',
      '/$/$/$',
      '/metrics',
      '/readyz',
    ),
    badSegment,
    fc.option(
      fc.oneof(
        fc.constantFrom('sessionId=%E0', 'sessionId=', 'a=%', '&&&=', `x=${'y'.repeat(3000)}`),
        fc.string({ maxLength: 40 }).map((s) => s.replace(/[\s#]/g, '')),
      ),
    ),
  )
  .map(
    ([template, segment, query]) =>
      `${template.replaceAll('$', segment)}${query === null ? '' : `?${query}`}`,
  );

const headerValue = fc.oneof(
  fc.constantFrom(
    '',
    'null',
    'http://127.x.attacker.example',
    'http://127.0.0.1.evil.example:7420',
    'application/json',
    'text/event-stream',
    'Bearer ',
    'Bearer mcpman_' + 'A'.repeat(40),
    'Basic Og==',
    '%E0',
    '2025-11-25',
    '9999-99-99',
    'websocket',
    'cross-site',
    'h2c',
  ),
  fc.string({ maxLength: 60 }).map((s) => s.replace(/[\r\n\0]/g, '')),
  fc.integer({ min: 1000, max: 7000 }).map((n) => 'v'.repeat(n)),
);

const HEADER_NAMES = [
  'host',
  'origin',
  'content-type',
  'accept',
  'authorization',
  'mcp-session-id',
  'mcp-protocol-version',
  'mcp-method',
  'mcp-name',
  'last-event-id',
  'sec-fetch-site',
  'accept-encoding',
  'content-encoding',
  'traceparent',
  'upgrade',
  'connection',
  'sec-websocket-key',
  'sec-websocket-version',
  'sec-websocket-protocol',
  'x-forwarded-for',
];

const headerName = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...HEADER_NAMES) },
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,30}$/) },
);

/** One raw HTTP/1.1 request: a request line, headers and maybe a body, as bytes on the wire. */
export interface RawRequest {
  readonly upgrade: boolean;
  readonly text: string;
}

/**
 * `count` malformed or hostile HTTP requests from a fixed seed: fuzzed paths and query strings on
 * every route, random and hostile headers (Host, Origin, credentials, MCP headers, fetch
 * metadata), odd methods, and WebSocket upgrade requests with broken keys and versions. Each
 * closes its connection (`Connection: close`) so the answer's end is the socket's.
 */
export function malformedRequests(count: number, seed: number, host: string): RawRequest[] {
  const arbitrary = fc
    .record({
      method: fc.constantFrom('GET', 'POST', 'DELETE', 'OPTIONS', 'PUT', 'HEAD', 'PATCH', 'BREW'),
      path: requestPath,
      headers: fc.array(fc.tuple(headerName, headerValue), { maxLength: 8 }),
      upgrade: fc.boolean(),
      body: fc.option(fc.oneof(fc.json(), fc.string({ maxLength: 200 }))),
      foreignHost: fc.boolean(),
    })
    .map(({ method, path, headers, upgrade, body, foreignHost }) => {
      const lines = [`${upgrade ? 'GET' : method} ${path} HTTP/1.1`];
      const names = new Set(headers.map(([name]) => name));
      if (!names.has('host')) lines.push(`Host: ${foreignHost ? 'rebind.attacker.example' : host}`);
      for (const [name, value] of headers) lines.push(`${name}: ${value}`);
      if (upgrade) {
        lines.push('Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Version: 13');
        if (!names.has('sec-websocket-key')) lines.push('Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==');
        if (!names.has('sec-websocket-protocol')) lines.push('Sec-WebSocket-Protocol: mcp');
      } else lines.push('Connection: close');
      const payload = body === null || upgrade ? '' : body;
      if (payload !== '') lines.push(`Content-Length: ${Buffer.byteLength(payload)}`);
      return { upgrade, text: `${lines.join('\r\n')}\r\n\r\n${payload}` };
    });
  return fc.sample(arbitrary, { numRuns: count, seed });
}
