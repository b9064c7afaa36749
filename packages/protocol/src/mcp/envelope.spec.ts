import { describe, expect, it } from 'vitest';
import { MCPError } from '../errors/mcp-error.js';
import { MCPErrorCode } from '../errors/codes.js';
import { carriesEnvelope, metaOf, readEnvelope, statelessMeta, statelessVersionRefusal } from './envelope.js';
import { META, STATELESS_ERA_VERSION } from './mcp.js';

const client = { name: 'spec', version: '1.0.0' };

describe('the 2026-07-28 envelope', () => {
  it('is built with the version, capabilities and client, and read back from a message', () => {
    const meta = statelessMeta(client, { elicitation: {} });
    const message = { jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: meta } };
    expect(metaOf(message)).toEqual({
      [META.protocolVersion]: STATELESS_ERA_VERSION,
      [META.clientCapabilities]: { elicitation: {} },
      [META.clientInfo]: client,
    });
    expect(carriesEnvelope(message)).toBe(true);
    expect(readEnvelope(meta, true)).toBe(STATELESS_ERA_VERSION);
  });

  it('finds no envelope in session-era messages or in malformed params', () => {
    for (const message of [
      { jsonrpc: '2.0', id: 1, method: 'initialize', params: {} },
      { jsonrpc: '2.0', id: 1, method: 'tools/list' },
      { jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: [1] } },
      { jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: { [META.protocolVersion]: 7 } } },
      'text',
      null,
    ]) {
      expect(carriesEnvelope(message)).toBe(false);
    }
    expect(metaOf({ params: { _meta: [1] } })).toBeUndefined();
  });

  it('refuses a missing version, and a request without capabilities, as invalid params naming the field', () => {
    const noVersion = readEnvelope({}, false);
    expect(noVersion).toBeInstanceOf(MCPError);
    expect((noVersion as MCPError).code).toBe(MCPErrorCode.ProtocolInvalidParams);
    expect((noVersion as MCPError).message).toContain(META.protocolVersion);
    const noCapabilities = readEnvelope({ [META.protocolVersion]: STATELESS_ERA_VERSION }, true);
    expect((noCapabilities as MCPError).message).toContain(META.clientCapabilities);
    // A notification need not say its capabilities.
    expect(readEnvelope({ [META.protocolVersion]: STATELESS_ERA_VERSION }, false)).toBe(
      STATELESS_ERA_VERSION,
    );
  });

  it('accepts only its own version, and says which one it speaks', () => {
    expect(statelessVersionRefusal(STATELESS_ERA_VERSION)).toBeUndefined();
    const refused = statelessVersionRefusal('2025-06-18');
    expect(refused?.code).toBe(MCPErrorCode.ProtocolUnsupportedVersion);
    expect(refused?.data).toEqual({ supported: [STATELESS_ERA_VERSION], requested: '2025-06-18' });
    expect(statelessVersionRefusal(42)?.message).toContain('42');
  });
});
