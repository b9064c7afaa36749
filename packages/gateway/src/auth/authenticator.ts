import { FileTokenStore } from '@mcpman/core';
import { MCPError, MCPErrorCode } from '@mcpman/protocol';
import type { TokenStore } from '@mcpman/core';
import type { GatewayConfig } from '@mcpman/core';
import type { TokenInfo } from '@mcpman/shared';
import type { Identity, SessionScope } from '../pipeline/session.js';
import { ANONYMOUS } from '../pipeline/session.js';
import { OAuthVerifier, TokenRefusal } from './oauth-verifier.js';

type AuthConfig = GatewayConfig['auth'];

/** What a client presented, whatever the transport. */
export interface Credentials {
  /** The `Authorization` header (or gRPC `authorization` metadata) as sent. */
  readonly authorization?: string;
  /** Subject CN of a client certificate the TLS layer verified against `tls.clientCa`. */
  readonly certificateCn?: string;
}

/** A refused request: the error for the body, and the `WWW-Authenticate` challenge. */
export interface AuthRefusal {
  readonly error: MCPError;
  /** Parameters of the Bearer challenge (RFC 6750 §3), resource_metadata added by the transport. */
  readonly challenge: Readonly<Record<string, string>>;
}

export type AuthOutcome =
  { readonly ok: true; readonly identity: Identity } | ({ readonly ok: false } & AuthRefusal);

function refusal(error: MCPError, challenge: Record<string, string> = {}): AuthOutcome {
  return { ok: false, error, challenge };
}

function tokenIdentity(info: TokenInfo): Identity {
  return {
    name: `token:${info.name}`,
    kind: 'token',
    admin: info.admin,
    ...(info.servers === undefined ? {} : { servers: info.servers }),
    ...(info.tools === undefined ? {} : { tools: info.tools }),
    ...(info.profiles === undefined ? {} : { profiles: info.profiles }),
  };
}

/**
 * Who is calling. `mode: none` lets everyone in as `anonymous` (loopback use); `token` needs an
 * mcpman API token; `oauth` a JWT access token from the configured issuer (mcpman tokens are
 * accepted too, so the CLI and scripts keep working). A client certificate verified by mTLS is
 * an identity of its own in every mode. Client credentials stop here: nothing of them is passed
 * on to upstream servers.
 */
export class Authenticator {
  private readonly tokens: TokenStore;
  private readonly oauth: OAuthVerifier | undefined;

  constructor(
    private readonly config: AuthConfig,
    tokens?: TokenStore,
  ) {
    this.tokens = tokens ?? new FileTokenStore(config.tokensFile);
    this.oauth =
      config.mode === 'oauth' && config.oauth !== undefined ? new OAuthVerifier(config.oauth) : undefined;
  }

  get required(): boolean {
    return this.config.mode !== 'none';
  }

  /** Scopes to name in challenges and the protected resource metadata. */
  get scopes(): readonly string[] {
    return this.config.oauth?.scopesSupported ?? this.config.oauth?.requiredScopes ?? [];
  }

  get issuer(): string | undefined {
    return this.config.mode === 'oauth' ? this.config.oauth?.issuer : undefined;
  }

  async authenticate(credentials: Credentials): Promise<AuthOutcome> {
    const bearer = bearerOf(credentials.authorization);
    if (typeof bearer === 'object') {
      return refusal(
        new MCPError(MCPErrorCode.AuthInvalid, 'the Authorization header is not "Bearer <token>"'),
        {
          error: 'invalid_request',
        },
      );
    }
    if (bearer !== undefined && this.required) return this.checkBearer(bearer);
    if (credentials.certificateCn !== undefined)
      return { ok: true, identity: this.certificateIdentity(credentials.certificateCn) };
    if (!this.required) return { ok: true, identity: ANONYMOUS };
    return refusal(
      new MCPError(MCPErrorCode.AuthRequired, 'authentication required: send Authorization: Bearer <token>', {
        hint:
          this.config.mode === 'token'
            ? 'Create a token with `mcpman token create --name NAME` and send it as a Bearer token.'
            : `Get an access token from ${this.config.oauth?.issuer ?? 'the issuer'} for this resource.`,
      }),
      this.scopes.length === 0 ? {} : { scope: this.scopes.join(' ') },
    );
  }

  /** Refuse a session bound to a server, or outside the profiles, the identity may not use. */
  checkScope(identity: Identity, scope: SessionScope): AuthOutcome {
    const profiles = identity.profiles;
    if (
      profiles !== undefined &&
      (scope.kind !== 'all' || scope.profile === undefined || !profiles.includes(scope.profile))
    ) {
      return refusal(
        new MCPError(
          MCPErrorCode.AuthForbidden,
          `${identity.name} may use only the endpoints of profile ${profiles.join(', ')}`,
          {
            hint: `Connect to /profiles/${profiles[0] ?? '<name>'}/mcp (or its /sse, /ws; gRPC mcp-profile).`,
          },
        ),
        { error: 'insufficient_scope' },
      );
    }
    if (
      scope.kind === 'server' &&
      identity.servers !== undefined &&
      !identity.servers.includes(scope.server)
    ) {
      return refusal(
        new MCPError(MCPErrorCode.AuthForbidden, `${identity.name} may not use server ${scope.server}`),
        {
          error: 'insufficient_scope',
        },
      );
    }
    return { ok: true, identity };
  }

  private async checkBearer(token: string): Promise<AuthOutcome> {
    if (token.startsWith('mcpman_') || this.oauth === undefined) {
      const info = await this.tokens.verify(token);
      if (info !== undefined) return { ok: true, identity: tokenIdentity(info) };
      return refusal(
        new MCPError(MCPErrorCode.AuthInvalid, 'the token is not valid (unknown, revoked or mistyped)'),
        {
          error: 'invalid_token',
          error_description: 'unknown or revoked token',
        },
      );
    }
    try {
      return { ok: true, identity: await this.oauth.verify(token) };
    } catch (error) {
      if (error instanceof TokenRefusal) {
        return refusal(error, {
          error: error.oauthError,
          error_description: error.message,
          ...(error.scope === undefined || error.scope === '' ? {} : { scope: error.scope }),
        });
      }
      throw error;
    }
  }

  private certificateIdentity(cn: string): Identity {
    const grant = this.config.certificates[cn];
    return {
      name: `cert:${cn}`,
      kind: 'certificate',
      // With no other authentication configured the certificate is the whole gate.
      admin: grant?.admin ?? !this.required,
      ...(grant?.servers === undefined ? {} : { servers: grant.servers }),
      ...(grant?.tools === undefined ? {} : { tools: grant.tools }),
      ...(grant?.profiles === undefined ? {} : { profiles: grant.profiles }),
    };
  }
}

/** The token of `Bearer <token>`; `{ malformed }` for any other scheme or shape. */
function bearerOf(header: string | undefined): string | { readonly malformed: true } | undefined {
  if (header === undefined || header === '') return undefined;
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
  return match?.[1] ?? { malformed: true };
}

/** `Bearer k="v", …` for WWW-Authenticate. */
export function bearerChallenge(params: Readonly<Record<string, string>>): string {
  const parts = Object.entries(params).map(([k, v]) => `${k}="${v.replace(/["\\]/g, '')}"`);
  return parts.length === 0 ? 'Bearer' : `Bearer ${parts.join(', ')}`;
}
