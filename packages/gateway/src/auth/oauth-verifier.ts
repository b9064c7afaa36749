import { createRemoteJWKSet, errors, jwtVerify } from 'jose';
import type { JWTPayload, JWTVerifyGetKey } from 'jose';
import { MCPError, MCPErrorCode, limitedText } from '@mcpman/protocol';
import type { GatewayConfig } from '@mcpman/core';
import type { Identity } from '../pipeline/session.js';

type OAuthConfig = NonNullable<GatewayConfig['auth']['oauth']>;

/** Scopes that narrow what an OAuth identity may use (see docs/security.md). */
export const SCOPE = {
  server: 'mcpman:server:',
  tool: 'mcpman:tool:',
  profile: 'mcpman:profile:',
  admin: 'mcpman:admin',
} as const;

/** Why a bearer token was refused, in the words of RFC 6750 §3.1. */
export class TokenRefusal extends MCPError {
  constructor(
    readonly oauthError: 'invalid_token' | 'insufficient_scope',
    message: string,
    readonly scope?: string,
  ) {
    super(oauthError === 'invalid_token' ? MCPErrorCode.AuthInvalid : MCPErrorCode.AuthForbidden, message);
  }
}

function scopesOf(payload: JWTPayload): string[] {
  const scope = payload['scope'] ?? payload['scp'];
  if (typeof scope === 'string') return scope.split(' ').filter((s) => s !== '');
  if (Array.isArray(scope)) return scope.filter((s): s is string => typeof s === 'string');
  return [];
}

/** An identity from a verified access token: its subject, and grants from its scopes. */
export function identityFromClaims(payload: JWTPayload): Identity {
  const scopes = scopesOf(payload);
  const servers = scopes.filter((s) => s.startsWith(SCOPE.server)).map((s) => s.slice(SCOPE.server.length));
  const tools = scopes.filter((s) => s.startsWith(SCOPE.tool)).map((s) => s.slice(SCOPE.tool.length));
  const profiles = scopes
    .filter((s) => s.startsWith(SCOPE.profile))
    .map((s) => s.slice(SCOPE.profile.length));
  const clientId = payload['client_id'] ?? payload['azp'];
  const name = payload.sub ?? (typeof clientId === 'string' ? clientId : 'oauth-client');
  return {
    name: `oauth:${name}`,
    kind: 'oauth',
    admin: scopes.includes(SCOPE.admin),
    ...(servers.length === 0 ? {} : { servers }),
    ...(tools.length === 0 ? {} : { tools }),
    ...(profiles.length === 0 ? {} : { profiles }),
  };
}

/**
 * OAuth 2.1 resource-server checks of a JWT access token: signature against the issuer's JWKS
 * (fetched and cached by jose, refreshed when an unknown key id shows up), issuer, audience
 * (the resource), expiry and not-before with a little clock skew, and the required scopes.
 */
export class OAuthVerifier {
  private keys: Promise<JWTVerifyGetKey> | undefined;

  constructor(private readonly config: OAuthConfig) {}

  async verify(token: string): Promise<Identity> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, await this.keySet(), {
        issuer: this.config.issuer,
        audience: this.config.audience,
        requiredClaims: ['exp'],
        clockTolerance: 5,
      }));
    } catch (error) {
      throw new TokenRefusal('invalid_token', describeJoseError(error));
    }
    const scopes = scopesOf(payload);
    const missing = this.config.requiredScopes.filter((s) => !scopes.includes(s));
    if (missing.length > 0) {
      throw new TokenRefusal(
        'insufficient_scope',
        `the access token lacks the scope${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`,
        this.config.requiredScopes.join(' '),
      );
    }
    return identityFromClaims(payload);
  }

  private keySet(): Promise<JWTVerifyGetKey> {
    this.keys ??= this.resolveJwksUri().then((uri) => createRemoteJWKSet(uri));
    // A failed discovery is retried on the next request rather than cached forever.
    this.keys.catch(() => {
      this.keys = undefined;
    });
    return this.keys;
  }

  /** jwksUri as configured, else from the issuer's RFC 8414 (or OpenID) metadata. */
  private async resolveJwksUri(): Promise<URL> {
    if (this.config.jwksUri !== undefined) return new URL(this.config.jwksUri);
    const issuer = this.config.issuer.replace(/\/$/, '');
    const issuerUrl = new URL(issuer);
    const candidates = [
      new URL(`/.well-known/oauth-authorization-server${issuerUrl.pathname.replace(/\/$/, '')}`, issuerUrl),
      new URL(`${issuer}/.well-known/openid-configuration`),
    ];
    for (const url of candidates) {
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
        if (!response.ok) continue;
        // An authorization server's metadata is a few kB: a larger answer is not read whole.
        const metadata = JSON.parse(await limitedText(response, 1024 * 1024, url.origin)) as {
          jwks_uri?: unknown;
        };
        if (typeof metadata.jwks_uri === 'string') return new URL(metadata.jwks_uri);
      } catch {
        // Try the next well-known location.
      }
    }
    throw new TokenRefusal('invalid_token', `cannot find the JWKS of issuer ${this.config.issuer}`);
  }
}

function describeJoseError(error: unknown): string {
  if (error instanceof TokenRefusal) return error.message;
  if (error instanceof errors.JWTExpired) return 'the access token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return 'the access token is for another audience (resource)';
    if (error.claim === 'iss') return 'the access token is from another issuer';
    if (error.claim === 'nbf') return 'the access token is not valid yet';
    return `the access token's ${error.claim} claim is not acceptable`;
  }
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return 'the access token signature is not valid';
  if (error instanceof errors.JWKSNoMatchingKey) return 'the access token is signed with an unknown key';
  if (error instanceof errors.JWTInvalid || error instanceof errors.JWSInvalid)
    return 'the access token is not a valid JWT';
  if (error instanceof errors.JOSEError) return `the access token cannot be verified (${error.code})`;
  return 'the access token cannot be verified';
}
