import { describe, expect, it } from 'vitest';
import { classifyMessage } from './jsonrpc.js';

describe('classifyMessage', () => {
  it.each([
    [{ jsonrpc: '2.0', id: 1, method: 'ping' }, 'request'],
    [{ jsonrpc: '2.0', id: 'a', method: 'tools/call', params: { name: 'x' } }, 'request'],
    [{ jsonrpc: '2.0', method: 'notifications/initialized' }, 'notification'],
    [{ jsonrpc: '2.0', id: 1, result: {} }, 'response'],
    [{ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } }, 'response'],
  ])('%j is a %s', (message, kind) => {
    expect(classifyMessage(message).kind).toBe(kind);
  });

  it.each([
    [null, 'must be an object'],
    [[{ jsonrpc: '2.0', method: 'x' }], 'must be an object'],
    [{ id: 1, method: 'x' }, 'jsonrpc must be "2.0"'],
    [{ jsonrpc: '2.0', id: 1, method: 5 }, 'method must be a non-empty string'],
    [{ jsonrpc: '2.0', id: 1, method: 'x', params: [1] }, 'params must be an object'],
    [{ jsonrpc: '2.0', id: { a: 1 }, method: 'x' }, 'id must be a string or a number'],
    [{ jsonrpc: '2.0', id: 1, error: { code: 'x' } }, 'numeric code'],
    [{ jsonrpc: '2.0', id: 1, result: 5 }, 'result must be an object'],
    [{ jsonrpc: '2.0', id: 1 }, 'not a request'],
  ])('%j is invalid: %s', (message, reason) => {
    const classified = classifyMessage(message);
    expect(classified.kind).toBe('invalid');
    expect(classified.kind === 'invalid' ? classified.reason : '').toContain(reason);
  });

  it('keeps a usable id of an invalid request for the error response', () => {
    expect(classifyMessage({ jsonrpc: '1.0', id: 9, method: 'x' })).toMatchObject({ kind: 'invalid', id: 9 });
  });
});
