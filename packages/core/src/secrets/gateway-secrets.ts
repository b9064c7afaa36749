import type { GatewayConfig } from '../config/schema.js';
import { fillTemplates, secretsInTemplates } from './secret-reader.js';
import type { SecretValues } from './secret-values.js';

/** The gateway settings that may name secrets (`${secret:NAME}`) instead of holding credentials. */
function templated(gateway: GatewayConfig): Record<string, string> {
  return {
    ...(gateway.state.redisUrl === undefined ? {} : { 'state.redisUrl': gateway.state.redisUrl }),
    ...(gateway.rateLimit.redisUrl === undefined ? {} : { 'rateLimit.redisUrl': gateway.rateLimit.redisUrl }),
    ...Object.fromEntries(
      Object.entries(gateway.tracing.otlp?.headers ?? {}).map(([name, value]) => [`otlp.${name}`, value]),
    ),
  };
}

/** Secrets the gateway's own settings name (Redis URLs, the OTLP collector's headers). */
export function gatewaySecretNames(gateway: GatewayConfig): string[] {
  return secretsInTemplates(templated(gateway));
}

/**
 * The gateway's settings with their `${secret:NAME}` filled from `secrets`: a Redis password or
 * a collector's API key is kept as a secret (a Podman secret, or a Kubernetes Secret's file in a
 * cluster) and never in the config or a ConfigMap. Values read are registered for redaction.
 */
export async function fillGatewaySecrets(
  gateway: GatewayConfig,
  secrets: SecretValues,
): Promise<GatewayConfig> {
  const names = gatewaySecretNames(gateway);
  if (names.length === 0) return gateway;
  const values: Record<string, string> = {};
  for (const name of names) values[name] = await secrets.read(name);
  const filled = fillTemplates(templated(gateway), values);
  const otlp = gateway.tracing.otlp;
  return {
    ...gateway,
    state: {
      ...gateway.state,
      ...(filled['state.redisUrl'] === undefined ? {} : { redisUrl: filled['state.redisUrl'] }),
    },
    rateLimit: {
      ...gateway.rateLimit,
      ...(filled['rateLimit.redisUrl'] === undefined ? {} : { redisUrl: filled['rateLimit.redisUrl'] }),
    },
    tracing: {
      ...gateway.tracing,
      ...(otlp === undefined
        ? {}
        : {
            otlp: {
              ...otlp,
              headers: Object.fromEntries(
                Object.keys(otlp.headers).map((name) => [name, filled[`otlp.${name}`] ?? '']),
              ),
            },
          }),
    },
  };
}
