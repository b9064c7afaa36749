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
