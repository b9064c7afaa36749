import { describe, expect, it } from 'vitest';
import { configuration, host } from './test/podman-desktop-api.mock.js';
import { readSettings } from './settings.js';

describe('extension settings', () => {
  it('defaults to a config file in the storage folder and the standard port', () => {
    host.reset();
    const read = readSettings(configuration.getConfiguration('mcpman'), '/storage');
    expect(read).toEqual({
      ok: true,
      settings: {
        configFile: '/storage/mcpman.yaml',
        gatewayPort: 7420,
        tls: undefined,
        authMode: 'none',
        telemetry: false,
      },
    });
  });

  it('names each bad setting', () => {
    host.reset();
    host.settings.set('mcpman.gateway.port', 'eighty');
    host.settings.set('mcpman.telemetry.enabled', 'yes');
    const read = readSettings(configuration.getConfiguration('mcpman'), '/storage');
    expect(read.ok).toBe(false);
    expect(read.ok ? [] : read.problems).toEqual([
      expect.stringMatching(/^mcpman\.gateway\.port: .*number/),
      expect.stringMatching(/^mcpman\.telemetry\.enabled: .*boolean/),
    ]);
  });

  it('wants both halves of the TLS pair', () => {
    host.reset();
    host.settings.set('mcpman.gateway.tls.key', '/k.pem');
    const read = readSettings(configuration.getConfiguration('mcpman'), '/storage');
    expect(read.ok ? [] : read.problems).toEqual([
      'mcpman.gateway.tls: set both cert and key (PEM files), or neither',
    ]);
  });
});
