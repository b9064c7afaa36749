import { X509Certificate } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';

/**
 * What a browser may do to the gateway. Every web page the user opens can send requests to
 * 127.0.0.1, and after DNS rebinding a page on `attacker.example` is same-origin with it. So:
 *
 * - `Host` must name the gateway: a loopback address or `localhost` with the listen port, an
 *   address the listener is bound to, a name of its TLS certificate, or one the config allows
 *   (`gateway.allowedHosts`). A rebinding page sends its own name and is refused.
 * - `Origin`, when sent, must be exactly (scheme, host, port) one of the gateway's own origins or
 *   a configured one: comparisons are on parsed URLs, never on string prefixes (a page on
 *   `http://127.0.0.1.evil.example` is not loopback).
 * - The management API also refuses what fetch metadata marks as cross-site, and a `POST` that is
 *   not `application/json` (so no "simple" cross-site request can run an action).
 */
export interface WebGuardOptions {
  /** The listener's scheme. */
  readonly tls: boolean;
  /** The host the listener is bound to (an address, or `localhost`). */
  readonly listenHost: string;
  /** The port the listener is bound to, once it is (the config may say 0). */
  readonly port: () => number | undefined;
  /** `gateway.allowedHosts`: `name` (any port) or `name:port`. */
  readonly allowedHosts?: readonly string[];
  /** `gateway.allowedOrigins` and `gateway.cors.origins`. */
  readonly allowedOrigins?: readonly string[];
  /** The TLS certificate (PEM), whose DNS names the gateway answers to. */
  readonly certificate?: Buffer;
}

/** Is this host (a name or an address, IPv6 with or without brackets) a loopback one? */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost') return true;
  return isLoopbackAddress(bare);
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/**
 * 127.0.0.0/8 and ::1 (IPv4-mapped forms too), decided on the parsed address, never on a
 * string prefix: `127.attacker.example` is a name, not an address.
 */
export function isLoopbackAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '');
  const family = isIP(bare);
  if (family === 0) return false;
  return LOOPBACK.check(bare, family === 4 ? 'ipv4' : 'ipv6');
}

function isWildcard(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  return bare === '0.0.0.0' || bare === '::' || bare === '';
}

interface HostPort {
  /** Lower-case, IPv6 without brackets, as the WHATWG URL parser normalises it. */
  readonly host: string;
  readonly port: number | undefined;
}

/** `name`, `name:port`, `1.2.3.4:5`, `[::1]:5`, normalised as a browser would; undefined if invalid. */
function parseHostPort(value: string): HostPort | undefined {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]\s/?#@\\]+)(?::(\d{1,5}))?$/.exec(value);
  if (match?.[1] === undefined) return undefined;
  try {
    const host = new URL(`http://${match[1]}`).hostname.replace(/^\[|\]$/g, '');
    return { host, port: match[2] === undefined ? undefined : Number(match[2]) };
  } catch {
    return undefined;
  }
}

/** The DNS names a certificate is valid for (its subjectAltName entries). */
export function certificateNames(pem: Buffer): string[] {
  try {
    const names = new X509Certificate(pem).subjectAltName ?? '';
    return names
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry.startsWith('DNS:'))
      .map((entry) => entry.slice(4).toLowerCase());
  } catch {
    return [];
  }
}

function nameMatches(pattern: string, host: string): boolean {
  if (pattern.startsWith('*.')) return host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1;
  return pattern === host;
}

/** Why the management API refuses a browser's request: its origin, its site, its body type. */
export type WebRefusal = 'origin' | 'site' | 'type';

export class WebGuard {
  private readonly hosts: readonly HostPort[];
  private readonly origins: ReadonlySet<string>;
  private certNames: readonly string[];
  /** Host header → allowed, for the values seen so far (bounded; cleared with the certificate). */
  private readonly decided = new Map<string, boolean>();

  constructor(private readonly options: WebGuardOptions) {
    this.hosts = (options.allowedHosts ?? [])
      .map((entry) => parseHostPort(entry))
      .filter((entry): entry is HostPort => entry !== undefined);
    this.origins = new Set(
      (options.allowedOrigins ?? []).map((origin) => originOf(origin)).filter((o) => o !== undefined),
    );
    this.certNames = options.certificate === undefined ? [] : certificateNames(options.certificate);
  }

  /** After a certificate reload: the names the gateway answers to follow the certificate. */
  setCertificate(pem: Buffer): void {
    this.certNames = certificateNames(pem);
    this.decided.clear();
  }

  /**
   * Does the Host header name this gateway? A request with none (HTTP/1.0, some tools) comes from
   * no browser and passes.
   */
  hostAllowed(req: IncomingMessage): boolean {
    const value = req.headers.host;
    if (value === undefined) return true;
    // Every request asks: the few Host values a gateway sees are decided once.
    const known = this.decided.get(value);
    if (known !== undefined) return known;
    const allowed = this.decideHost(value);
    if (this.decided.size >= 256) this.decided.clear();
    this.decided.set(value, allowed);
    return allowed;
  }

  private decideHost(value: string): boolean {
    const parsed = parseHostPort(value);
    if (parsed === undefined) return false;
    const port = parsed.port ?? (this.options.tls ? 443 : 80);
    for (const allowed of this.hosts) {
      if (nameMatches(allowed.host, parsed.host) && (allowed.port === undefined || allowed.port === port))
        return true;
    }
    if (this.certNames.some((name) => nameMatches(name, parsed.host))) return true;
    const bound = this.options.port();
    if (isLoopbackHost(parsed.host)) {
      // Bound to loopback: only this port reaches it. Bound to every address (a container, a
      // cluster pod): ports are forwarded and the one a client names may differ.
      return isWildcard(this.options.listenHost) || port === bound;
    }
    if (isIP(parsed.host) === 0) return false;
    // An address literal cannot be rebound: a page whose origin is this address is this gateway.
    const listen = this.options.listenHost.replace(/^\[|\]$/g, '').toLowerCase();
    return (
      isWildcard(listen) || parseHostPort(listen.includes(':') ? `[${listen}]` : listen)?.host === parsed.host
    );
  }

  /**
   * Is the Origin (when a browser sent one) this gateway itself, or one the config allows? Exact
   * scheme, host and port; `null` (sandboxed frames, file://) is never allowed.
   */
  originAllowed(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    if (origin === undefined || origin === '') return true;
    const parsed = originOf(origin);
    if (parsed === undefined) return false;
    if (this.origins.has(parsed)) return true;
    return this.ownOrigins(req).has(parsed);
  }

  /** Was the Origin one the config lists (rather than the gateway's own)? */
  private configuredOrigin(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    const parsed = origin === undefined ? undefined : originOf(origin);
    return parsed !== undefined && this.origins.has(parsed);
  }

  /**
   * The management API's checks beyond Host: Origin, fetch metadata (only same-origin requests,
   * or ones from a configured origin, or ones the user made by typing a URL), and for `POST` a
   * JSON body, which no cross-site form or `no-cors` fetch can send without a preflight.
   */
  managementRefusal(req: IncomingMessage): WebRefusal | undefined {
    if (!this.originAllowed(req)) return 'origin';
    const site = req.headers['sec-fetch-site'];
    if ((site === 'cross-site' || site === 'same-site') && !this.configuredOrigin(req)) {
      return 'site';
    }
    if (req.method === 'POST') {
      const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
      if (type !== 'application/json') return 'type';
    }
    return undefined;
  }

  /** Same origin as the request's Host (already checked), and the loopback names with our port. */
  private ownOrigins(req: IncomingMessage): ReadonlySet<string> {
    const scheme = this.options.tls ? 'https' : 'http';
    const own = new Set<string>();
    const host = req.headers.host;
    if (host !== undefined) {
      const self = originOf(`${scheme}://${host}`);
      if (self !== undefined) own.add(self);
    }
    const port = this.options.port();
    if (port !== undefined) {
      for (const name of ['127.0.0.1', 'localhost', '[::1]']) {
        const origin = originOf(`${scheme}://${name}:${port}`);
        if (origin !== undefined) own.add(origin);
      }
    }
    return own;
  }
}

/** `scheme://host[:port]` as browsers serialise it, or undefined for anything else. */
function originOf(value: string): string | undefined {
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    return url.origin;
  } catch {
    return undefined;
  }
}
