import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MCPError, MCPErrorCode } from '@mcpman/protocol';
import type { HttpAuth } from '@mcpman/gateway';
import { sendError } from '@mcpman/gateway';
import type { WebGuard, WebRefusal } from '@mcpman/gateway';
import type { Identity } from '@mcpman/gateway';

/** Whoever holds this run's key: the owner, who read it over the owner-only control socket. */
const KEY_HOLDER: Identity = { name: 'dashboard-key', kind: 'local', admin: true };
/** Anyone on loopback when authentication is off: may look, may not change anything. */
const READER: Identity = { name: 'anonymous', kind: 'anonymous', admin: false };

export interface ManagementAccessOptions {
  readonly guard: WebGuard;
  readonly auth: HttpAuth;
  /** Tokens, OAuth or client certificates are required of every caller. */
  readonly authOn: boolean;
}

/**
 * Who may use the management API and the dashboard RPC over TCP. The control socket needs none
 * of this: its file mode is the credential.
 *
 * - Browsers: only same-origin, JSON requests (WebGuard), so no web page can drive it.
 * - With authentication on: an admin grant, or this run's key.
 * - With it off: anyone who reaches loopback may read; changes (which can start containers with
 *   host mounts) need this run's key, a random 256-bit value the owner gets over the control
 *   socket (`mcpman dashboard`) and the dashboard keeps for its tab.
 */
export class ManagementAccess {
  /** This run's key (base64url). Never logged; handed out only over the control socket. */
  readonly key = randomBytes(32).toString('base64url');
  private readonly keyBytes = Buffer.from(this.key);

  constructor(private readonly options: ManagementAccessOptions) {}

  /**
   * The caller, or undefined once a refusal has been written. `change`: the route changes
   * something (the RPC checks per method, see `mayChange`).
   */
  async check(req: IncomingMessage, res: ServerResponse, change: boolean): Promise<Identity | undefined> {
    const refusal = this.options.guard.managementRefusal(req);
    if (refusal !== undefined) {
      sendError(res, webRefusal(refusal));
      return undefined;
    }
    if (this.holdsKey(req)) return KEY_HOLDER;
    if (!this.options.authOn) {
      if (!change) return READER;
      sendError(res, keyRequired());
      return undefined;
    }
    const auth = this.options.auth;
    const outcome = await auth.check(req, { kind: 'all' });
    if (!outcome.ok) {
      auth.refuseApi(req, res, outcome);
      return undefined;
    }
    if (!outcome.identity.admin) {
      auth.refuseApi(req, res, {
        error: new MCPError(MCPErrorCode.AuthForbidden, `${outcome.identity.name} has no admin grant`, {
          hint: 'The management API needs an admin token (`mcpman token create --admin`) or the mcpman:admin scope.',
        }),
        challenge: { error: 'insufficient_scope', scope: 'mcpman:admin' },
      });
      return undefined;
    }
    return outcome.identity;
  }

  private holdsKey(req: IncomingMessage): boolean {
    const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    const given = Buffer.from(match?.[1] ?? '');
    return given.length === this.keyBytes.length && timingSafeEqual(given, this.keyBytes);
  }
}

/** Why an identity the guard let read may not change anything. */
export function keyRequired(): MCPError {
  return new MCPError(
    MCPErrorCode.AuthRequired,
    "changes through the HTTP API need this run's dashboard key, since authentication is off",
    {
      hint: 'Open the dashboard with `mcpman dashboard` (its URL carries the key) or use the mcpman CLI; with gateway.auth on, an admin token works too.',
    },
  );
}

function webRefusal(refusal: WebRefusal): MCPError {
  switch (refusal) {
    case 'type':
      return new MCPError(
        MCPErrorCode.UnsupportedMediaType,
        'the management API takes application/json bodies only',
      );
    case 'site':
      return new MCPError(
        MCPErrorCode.OriginForbidden,
        'cross-site requests to the management API are refused',
      );
    case 'origin':
      return new MCPError(MCPErrorCode.OriginForbidden, 'Origin not allowed', {
        hint: 'Open the dashboard from the gateway itself, or list the origin in gateway.allowedOrigins.',
      });
  }
}
