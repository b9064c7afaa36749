import { sendJson } from '../http/respond.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { TLSSocket } from 'node:tls';
import type { Identity, SessionScope } from '../pipeline/session.js';
import { writeRpcError } from '../http/rpc-response.js';
import type { AuthRefusal, Authenticator, Credentials } from './authenticator.js';
import { bearerChallenge } from './authenticator.js';

export const METADATA_PATH = '/.well-known/oauth-protected-resource';

/** The subject CN of a client certificate the TLS layer verified, if any. */
export function verifiedCertificateCn(socket: unknown): string | undefined {
  if (!(socket instanceof TLSSocket) || !socket.authorized) return undefined;
  const subject = socket.getPeerCertificate().subject as Record<string, unknown> | undefined;
  const cn = subject?.['CN'];
  return typeof cn === 'string' ? cn : Array.isArray(cn) && typeof cn[0] === 'string' ? cn[0] : undefined;
}

export function httpCredentials(req: IncomingMessage): Credentials {
  const authorization = req.headers.authorization;
  const certificateCn = verifiedCertificateCn(req.socket);
  return {
    ...(authorization === undefined ? {} : { authorization }),
    ...(certificateCn === undefined ? {} : { certificateCn }),
  };
}

/** `https://host:port` as the client addressed us. */
export function publicOrigin(req: IncomingMessage): string {
  const tls = req.socket instanceof TLSSocket;
  return `${tls ? 'https' : 'http'}://${req.headers.host ?? 'localhost'}`;
}

/** RFC 9728 §3.1: the path-specific metadata URL of the resource at `path`. */
export function metadataUrl(req: IncomingMessage, path: string): string {
  const resourcePath = path === '/' ? '' : path.replace(/\/$/, '');
  return `${publicOrigin(req)}${METADATA_PATH}${resourcePath}`;
}

function statusOf(refusal: AuthRefusal): number {
  return refusal.error.httpStatus === 403 ? 403 : 401;
}

/**
 * Authentication for everything on the HTTP listener: credentials from the request, refusals
 * as 401/403 with a Bearer challenge naming the protected resource metadata (RFC 9728 §5.1).
 */
export class HttpAuth {
  constructor(readonly authenticator: Authenticator) {}

  /** The identity, or undefined once a refusal has been written to `res`. */
  async identify(
    req: IncomingMessage,
    res: ServerResponse,
    scope: SessionScope,
  ): Promise<Identity | undefined> {
    const outcome = await this.check(req, scope);
    if (outcome.ok) return outcome.identity;
    this.refuse(req, res, outcome);
    return undefined;
  }

  /** For WebSocket upgrades: the identity, or undefined once the refusal went to the socket. */
  async identifyUpgrade(
    req: IncomingMessage,
    socket: Duplex,
    scope: SessionScope,
  ): Promise<Identity | undefined> {
    const outcome = await this.check(req, scope);
    if (outcome.ok) return outcome.identity;
    const status = statusOf(outcome);
    const body = JSON.stringify({ jsonrpc: '2.0', id: null, error: outcome.error.toJsonRpc() });
    socket.end(
      `HTTP/1.1 ${status} ${status === 403 ? 'Forbidden' : 'Unauthorized'}\r\n` +
        `WWW-Authenticate: ${this.challenge(req, outcome)}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
    return undefined;
  }

  async check(
    req: IncomingMessage,
    scope: SessionScope,
  ): Promise<{ ok: true; identity: Identity } | ({ ok: false } & AuthRefusal)> {
    const outcome = await this.authenticator.authenticate(httpCredentials(req));
    return outcome.ok ? this.authenticator.checkScope(outcome.identity, scope) : outcome;
  }

  /** On an MCP endpoint: the JSON-RPC error, as every MCP transport answers. */
  refuse(req: IncomingMessage, res: ServerResponse, refusal: AuthRefusal): void {
    writeRpcError(res, statusOf(refusal), null, refusal.error.toJsonRpc(), {
      'www-authenticate': this.challenge(req, refusal),
    });
  }

  /** On the management API (REST): its `{error}` body, with the same status and challenge. */
  refuseApi(req: IncomingMessage, res: ServerResponse, refusal: AuthRefusal): void {
    sendJson(
      res,
      statusOf(refusal),
      { error: refusal.error.toJSON() },
      {
        'www-authenticate': this.challenge(req, refusal),
      },
    );
  }

  private challenge(req: IncomingMessage, refusal: AuthRefusal): string {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    return bearerChallenge({ resource_metadata: metadataUrl(req, path), ...refusal.challenge });
  }

  /** RFC 9728 metadata for the resource at `resourcePath` (the MCP endpoint). */
  metadata(req: IncomingMessage, resourcePath: string): Record<string, unknown> {
    const issuer = this.authenticator.issuer;
    return {
      resource: `${publicOrigin(req)}${resourcePath === '' ? '/mcp' : resourcePath}`,
      authorization_servers: issuer === undefined ? [] : [issuer],
      bearer_methods_supported: ['header'],
      scopes_supported: [...this.authenticator.scopes],
      resource_name: 'mcpman gateway',
      ...(this.authenticator.required ? {} : { mcpman_auth: 'none' }),
    };
  }
}
