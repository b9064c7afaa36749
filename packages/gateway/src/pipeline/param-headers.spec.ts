import { describe, expect, it } from 'vitest';
import { decodeParamHeader, paramHeaderMismatch } from './param-headers.js';
import type { ParamHeaders } from './param-headers.js';

/** A transport's parameter headers, looked up by the name after `Mcp-Param-`, as HTTP does. */
const request =
  (headers: Record<string, string>): ParamHeaders =>
  (name) =>
    headers[`mcp-param-${name.toLowerCase()}`];

const schema = {
  type: 'object',
  properties: {
    region: { type: 'string', 'x-mcp-header': 'Region' },
    verbose: { type: 'boolean', 'x-mcp-header': 'Verbose' },
    priority: { type: 'integer', 'x-mcp-header': 'Priority' },
    query: { type: 'string' },
  },
};

describe('SEP-2243 parameter headers', () => {
  it('decodes plain and =?base64?…?= values, refusing bad base64', () => {
    expect(decodeParamHeader('us-east1')).toBe('us-east1');
    expect(decodeParamHeader('  padded  ')).toBe('padded');
    expect(decodeParamHeader(`=?base64?${Buffer.from('Grüße').toString('base64')}?=`)).toBe('Grüße');
    expect(decodeParamHeader('=?base64?SGVsbG8?=')).toBeUndefined();
    expect(decodeParamHeader('=?base64?SGVs!!!bG8=?=')).toBeUndefined();
    // Without both ends of the wrapper it is a literal value.
    expect(decodeParamHeader('=?base64?SGVsbG8=')).toBe('=?base64?SGVsbG8=');
  });

  it('accepts headers that agree with the arguments, in their header form', () => {
    expect(
      paramHeaderMismatch(
        request({ 'mcp-param-region': 'eu', 'mcp-param-verbose': 'true', 'mcp-param-priority': '3' }),
        schema,
        { region: 'eu', verbose: true, priority: 3, query: 'anything' },
      ),
    ).toBeUndefined();
    // Absent or null arguments need no header.
    expect(paramHeaderMismatch(request({}), schema, { verbose: null, query: 'x' })).toBeUndefined();
    expect(paramHeaderMismatch(request({}), undefined, { region: 'eu' })).toBeUndefined();
  });

  it('names a missing, mismatched or badly encoded header', () => {
    expect(paramHeaderMismatch(request({}), schema, { region: 'eu' })).toBe(
      'Mcp-Param-Region header is missing for argument region',
    );
    expect(paramHeaderMismatch(request({ 'mcp-param-region': 'us' }), schema, { region: 'eu' })).toBe(
      'Mcp-Param-Region header does not match argument region',
    );
    expect(
      paramHeaderMismatch(request({ 'mcp-param-region': '=?base64?ZXU?=' }), schema, { region: 'eu' }),
    ).toBe('Mcp-Param-Region header is not valid =?base64?…?= encoding');
  });
});
