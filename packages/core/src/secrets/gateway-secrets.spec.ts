import { describe, expect, it } from 'vitest';
import { GatewayConfigSchema } from '../config/schema.js';
import { fillGatewaySecrets, gatewaySecretNames } from './gateway-secrets.js';
import type { SecretValues } from './secret-values.js';

const VALUES: Record<string, string> = { 'redis-pw': 's3cret', 'otlp-key': 'sk-live' };
const secrets: SecretValues = {
  names: () => Promise.resolve(new Set(Object.keys(VALUES))),
  read: (name) => Promise.resolve(VALUES[name] ?? ''),
  storeHint: () => '',
};

describe('gateway settings that name secrets', () => {
  it('fills a Redis password and a collector key from secrets, never keeping them in the config', async () => {
    const gateway = GatewayConfigSchema.parse({
      state: { backend: 'redis', redisUrl: 'redis://:${secret:redis-pw}@redis:6379' },
      tracing: {
        otlp: {
          endpoint: 'https://otlp.example/v1/traces',
          headers: { 'x-api-key': '${secret:otlp-key}', plain: 'x' },
        },
      },
    });
    expect(gatewaySecretNames(gateway).sort()).toEqual(['otlp-key', 'redis-pw']);
    const filled = await fillGatewaySecrets(gateway, secrets);
    expect(filled.state.redisUrl).toBe('redis://:s3cret@redis:6379');
    expect(filled.tracing.otlp?.headers).toEqual({ 'x-api-key': 'sk-live', plain: 'x' });
    // The config as loaded still says only the secret's name.
    expect(gateway.state.redisUrl).toBe('redis://:${secret:redis-pw}@redis:6379');
  });

  it('takes a whole URL as a secret, and refuses what is not a redis URL', () => {
    expect(() =>
      GatewayConfigSchema.parse({ state: { backend: 'redis', redisUrl: '${secret:url}' } }),
    ).not.toThrow();
    expect(() => GatewayConfigSchema.parse({ state: { backend: 'redis', redisUrl: 'http://x:1' } })).toThrow(
      /redis:\/\/ or rediss:\/\//,
    );
  });
});
