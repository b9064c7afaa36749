import type { GatewayConfig } from '@mcpman/core';
import type { ExtensionSettings } from './settings.js';

/** How strongly an auth mode protects the gateway: a setting may only move up this scale. */
const AUTH_STRENGTH: Readonly<Record<GatewayConfig['auth']['mode'], number>> = {
  none: 0,
  token: 1,
  oauth: 2,
};

export interface EffectiveGateway {
  readonly gateway: GatewayConfig;
  /** Where settings and file disagreed and the file's protection was kept: shown to the user. */
  readonly notices: readonly string[];
}

/**
 * The gateway the extension runs: the config file's, with the extension's settings applied only
 * where they add protection. A setting never removes authentication, TLS or a narrower listen
 * address the file asks for (a user who wrote `auth.mode: token` must not find the gateway
 * open because Podman Desktop's default says `none`); the port is the setting's, as it has no
 * bearing on who may connect.
 */
export function effectiveGateway(fromFile: GatewayConfig, settings: ExtensionSettings): EffectiveGateway {
  const notices: string[] = [];
  const fileMode = fromFile.auth.mode;
  let mode = fileMode;
  if (AUTH_STRENGTH[settings.authMode] > AUTH_STRENGTH[fileMode]) mode = settings.authMode;
  else if (settings.authMode !== fileMode)
    notices.push(
      `The config file asks for gateway.auth.mode ${fileMode}; the setting mcpman.gateway.auth (${settings.authMode}) cannot weaken it, so ${fileMode} is used.`,
    );

  let tls = fromFile.tls;
  if (settings.tls !== undefined) {
    if (tls === undefined) tls = { minVersion: 'TLSv1.2', cert: settings.tls.cert, key: settings.tls.key };
    else if (tls.cert !== settings.tls.cert || tls.key !== settings.tls.key)
      notices.push(
        `The config file sets its own TLS certificate (${tls.cert}); the one in mcpman.gateway.tls.cert (${settings.tls.cert}) is not used.`,
      );
  }
  return {
    gateway: { ...fromFile, auth: { ...fromFile.auth, mode }, ...(tls === undefined ? {} : { tls }) },
    notices,
  };
}
