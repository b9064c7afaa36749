import { Readable } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { readBody, readJson } from './respond.js';

function request(body: string, headers: Record<string, string> = {}): IncomingMessage {
  return Object.assign(Readable.from([Buffer.from(body)]), { headers }) as unknown as IncomingMessage;
}

describe('request bodies', () => {
  it('reads a body within the limit', async () => {
    expect((await readBody(request('hello'), 10)).toString()).toBe('hello');
  });
  it('refuses a body over the limit, by header or by bytes, with a clear error', async () => {
    await expect(readBody(request('x'.repeat(20)), 10)).rejects.toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      httpStatus: 413,
    });
    await expect(readBody(request('x', { 'content-length': '999' }), 10)).rejects.toMatchObject({
      message: 'request body is larger than 10 bytes',
    });
  });
  it('reports malformed JSON as a parse error', async () => {
    await expect(readJson(request('{"a":'), 100)).rejects.toMatchObject({
      code: 'PROTOCOL_PARSE_ERROR',
      jsonRpcCode: -32700,
    });
    expect(await readJson(request(''), 100)).toBeUndefined();
    expect(await readJson(request('{"a":1}'), 100)).toEqual({ a: 1 });
  });
});
