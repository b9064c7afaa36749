import { describe, expect, it } from 'vitest';
import { parseConfigText } from '@mcpman/core';
import type { GatewayConfig } from '@mcpman/core';
import { effectiveGateway } from './gateway-settings.js';
import type { ExtensionSettings } from './settings.js';

function gateway(section: Record<string, unknown>): GatewayConfig {
  return parseConfigText(JSON.stringify({ version: 1, gateway: section, servers: {} })).config.gateway;
}

const settings = (fields: Partial<ExtensionSettings> = {}): ExtensionSettings => ({
  configFile: '/cfg/mcpman.yaml',
  gatewayPort: 7420,
  tls: undefined,
  authMode: 'none',
  telemetry: false,
  ...fields,
});

describe('effectiveGateway', () => {
  it("keeps the file's token or OAuth auth when the setting says none, and says so", () => {
    for (const mode of ['token', 'oauth'] as const) {
      const file = gateway({
        auth: {
          mode,
          ...(mode === 'oauth' ? { oauth: { issuer: 'https://id.example', audience: 'mcpman' } } : {}),
        },
      });
      const { gateway: used, notices } = effectiveGateway(file, settings({ authMode: 'none' }));
      expect(used.auth.mode).toBe(mode);
      expect(notices).toEqual([expect.stringContaining(`gateway.auth.mode ${mode}`)]);
    }
  });

  it('lets a setting add token auth to a file that asks for none, without a notice', () => {
    const { gateway: used, notices } = effectiveGateway(gateway({}), settings({ authMode: 'token' }));
    expect(used.auth.mode).toBe('token');
    expect(notices).toEqual([]);
  });

  it("adds the setting's TLS to a plain file and never replaces the file's", () => {
    const tls = { cert: '/pd/cert.pem', key: '/pd/key.pem' };
    expect(effectiveGateway(gateway({}), settings({ tls })).gateway.tls).toMatchObject(tls);
    const file = gateway({ tls: { cert: 'own.pem', key: 'own.key', clientCa: 'ca.pem' } });
    const { gateway: used, notices } = effectiveGateway(file, settings({ tls }));
    expect(used.tls).toMatchObject({ cert: 'own.pem', key: 'own.key', clientCa: 'ca.pem' });
    expect(notices).toEqual([expect.stringContaining('own.pem')]);
  });

  it("keeps the file's listen address", () => {
    const file = gateway({ listen: '127.0.0.1:9000' });
    expect(effectiveGateway(file, settings({ gatewayPort: 7777 })).gateway.listen).toBe('127.0.0.1:9000');
  });
});
