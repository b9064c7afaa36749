import { webcrypto } from 'node:crypto';
import type { webcrypto as WebCrypto } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@mcpman/protocol';
import type * as X509 from '@peculiar/x509';

const crypto: WebCrypto.Crypto = webcrypto;
type CryptoKey = WebCrypto.CryptoKey;
type CryptoKeyPair = WebCrypto.CryptoKeyPair;
const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 24 * 60 * 60 * 1000;

/** A certificate and its private key, PEM. */
export interface PemPair {
  readonly cert: string;
  readonly key: string;
}

/** A development CA, a server certificate it signed and, for mTLS, client certificates. */
export interface DevCertificates {
  readonly ca: PemPair;
  readonly server: PemPair;
  /** By client name (the certificate's common name). */
  readonly clients: Readonly<Record<string, PemPair>>;
}

export interface DevCertificateOptions {
  /** Names and addresses the server certificate is valid for; default localhost and loopback. */
  readonly hosts?: readonly string[];
  /** Client certificates to issue, by common name. */
  readonly clients?: readonly string[];
  readonly validDays?: number;
  /** For tests: when the certificates start (and so when they end). */
  readonly notBefore?: Date;
}

/**
 * @peculiar/x509 needs the reflect-metadata polyfill loaded first; both are loaded only when
 * certificates are made, not by every process that imports the gateway.
 */
async function x509Module(): Promise<typeof X509> {
  await import('reflect-metadata');
  return import('@peculiar/x509');
}

const IP_PATTERN = /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-fA-F:]+:[0-9a-fA-F:]*)$/;

async function pemKey(x509: typeof X509, key: CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await crypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

function keys(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
}

async function issue(
  x509: typeof X509,
  ca: { cert: X509.X509Certificate; keys: CryptoKeyPair },
  subject: string,
  usage: X509.ExtendedKeyUsage,
  window: { notBefore: Date; notAfter: Date },
  hosts: readonly string[] = [],
): Promise<PemPair> {
  const pair = await keys();
  const extensions: X509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension([usage]),
    await x509.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey, false, crypto),
  ];
  if (hosts.length > 0) {
    extensions.push(
      new x509.SubjectAlternativeNameExtension(
        hosts.map((host) =>
          IP_PATTERN.test(host) ? { type: 'ip', value: host } : { type: 'dns', value: host },
        ),
      ),
    );
  }
  const cert = await x509.X509CertificateGenerator.create(
    {
      subject: `CN=${subject}`,
      issuer: ca.cert.subject,
      publicKey: pair.publicKey,
      signingKey: ca.keys.privateKey,
      signingAlgorithm: ALGORITHM,
      extensions,
      ...window,
    },
    crypto,
  );
  return { cert: cert.toString('pem'), key: await pemKey(x509, pair.privateKey) };
}

/**
 * A local CA and certificates for development: a server certificate for localhost (what
 * `mcpman cert dev` writes) and client certificates for mTLS. ECDSA P-256, SHA-256.
 */
export async function makeDevCertificates(options: DevCertificateOptions = {}): Promise<DevCertificates> {
  const x509 = await x509Module();
  const notBefore = options.notBefore ?? new Date(Date.now() - 60_000);
  const window = { notBefore, notAfter: new Date(notBefore.getTime() + (options.validDays ?? 365) * DAY_MS) };
  const caKeys = await keys();
  const caCert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      name: 'CN=mcpman development CA',
      keys: caKeys,
      signingAlgorithm: ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey, false, crypto),
      ],
      ...window,
    },
    crypto,
  );
  const ca = { cert: caCert, keys: caKeys };
  const hosts = options.hosts ?? ['localhost', '127.0.0.1', '::1'];
  const server = await issue(
    x509,
    ca,
    hosts[0] ?? 'localhost',
    x509.ExtendedKeyUsage.serverAuth,
    window,
    hosts,
  );
  const clients: Record<string, PemPair> = {};
  for (const name of options.clients ?? []) {
    clients[name] = await issue(x509, ca, name, x509.ExtendedKeyUsage.clientAuth, window);
  }
  return {
    ca: { cert: caCert.toString('pem'), key: await pemKey(x509, caKeys.privateKey) },
    server,
    clients,
  };
}

/** Where `writeDevCertificates` put each file. */
export interface DevCertificateFiles {
  readonly caCert: string;
  readonly caKey: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clients: Readonly<Record<string, { readonly cert: string; readonly key: string }>>;
}

/** Write the certificates as PEM files into `dir`; private keys readable by the owner only. */
export async function writeDevCertificates(
  dir: string,
  certs: DevCertificates,
): Promise<DevCertificateFiles> {
  await mkdir(dir, { recursive: true });
  const put = async (name: string, text: string, secret: boolean): Promise<string> => {
    const path = join(dir, name);
    // Replaced by rename, never written through: a link planted at a key's name is replaced, not
    // followed, and an older file's looser mode does not carry over to a private key.
    await writeFileAtomic(path, text, { mode: secret ? 0o600 : 0o644, enforceMode: true });
    return path;
  };
  const clients: Record<string, { cert: string; key: string }> = {};
  for (const [name, pair] of Object.entries(certs.clients)) {
    clients[name] = {
      cert: await put(`client-${name}.pem`, pair.cert, false),
      key: await put(`client-${name}-key.pem`, pair.key, true),
    };
  }
  return {
    caCert: await put('ca.pem', certs.ca.cert, false),
    caKey: await put('ca-key.pem', certs.ca.key, true),
    serverCert: await put('server.pem', certs.server.cert, false),
    serverKey: await put('server-key.pem', certs.server.key, true),
    clients,
  };
}
