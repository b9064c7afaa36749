import type { GatewayConfig } from './schema.js';

/**
 * What a gateway listening beyond loopback lacks: TLS, and authentication (a token or OAuth mode,
 * or client certificates). Empty when it has both. The gateway refuses such a listener without
 * `--insecure`; the Kubernetes export warns.
 */
export function missingProtections(config: GatewayConfig, tls: boolean): string[] {
  return [
    ...(tls ? [] : ['TLS (gateway.tls)']),
    ...(config.auth.mode === 'none' && !(tls && config.tls?.clientCa !== undefined)
      ? ['authentication (gateway.auth.mode token or oauth, or tls.clientCa)']
      : []),
  ];
}
