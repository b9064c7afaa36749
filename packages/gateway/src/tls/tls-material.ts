import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { createSecureContext } from 'node:tls';
import { MCPError, MCPErrorCode } from '@mcpman/protocol';
import type { GatewayConfig } from '@mcpman/core';

type TlsConfig = NonNullable<GatewayConfig['tls']>;

/** The PEM files of `gateway.tls`, read and checked, ready for every listener. */
export interface TlsMaterial {
  readonly cert: Buffer;
  readonly key: Buffer;
  /** CA of client certificates; set means mTLS (clients without a valid certificate are refused). */
  readonly clientCa?: Buffer;
  readonly minVersion: 'TLSv1.2' | 'TLSv1.3';
}

function invalid(field: string, path: string, problem: string, hint: string): MCPError {
  return new MCPError(MCPErrorCode.ConfigInvalid, `gateway.tls.${field} (${path}): ${problem}`, { hint });
}

async function readPem(field: string, path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw invalid(
      field,
      path,
      code === 'ENOENT' ? 'the file does not exist' : `the file cannot be read (${code ?? 'error'})`,
      'Point it at a PEM file; `mcpman cert dev` makes a local CA and a localhost certificate.',
    );
  }
}

function certificateOf(field: string, path: string, pem: Buffer, now: Date): X509Certificate {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch {
    throw invalid(
      field,
      path,
      'not a PEM certificate',
      'Expect a file starting with -----BEGIN CERTIFICATE-----.',
    );
  }
  if (new Date(cert.validTo) < now) {
    throw invalid(field, path, `the certificate expired on ${cert.validTo}`, 'Renew the certificate.');
  }
  if (new Date(cert.validFrom) > now) {
    throw invalid(field, path, `the certificate is not valid before ${cert.validFrom}`, 'Check the clock.');
  }
  return cert;
}

/**
 * Read `gateway.tls` (paths relative to the config file's folder) and check what would
 * otherwise fail on the first handshake: missing files, expired certificates, a key that does
 * not belong to the certificate.
 */
export async function loadTlsMaterial(
  tls: TlsConfig,
  baseDir: string,
  now = new Date(),
): Promise<TlsMaterial> {
  const at = (path: string): string => (isAbsolute(path) ? path : resolve(baseDir, path));
  const [certPath, keyPath] = [at(tls.cert), at(tls.key)];
  const [cert, key] = await Promise.all([readPem('cert', certPath), readPem('key', keyPath)]);
  const leaf = certificateOf('cert', certPath, cert, now);
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    throw invalid(
      'key',
      keyPath,
      'not a PEM private key (or it is encrypted)',
      'Use an unencrypted PEM key.',
    );
  }
  if (!leaf.checkPrivateKey(privateKey)) {
    throw invalid(
      'key',
      keyPath,
      `the key does not belong to the certificate ${certPath}`,
      'Use the key the certificate was issued for.',
    );
  }
  let clientCa: Buffer | undefined;
  if (tls.clientCa !== undefined) {
    const caPath = at(tls.clientCa);
    clientCa = await readPem('clientCa', caPath);
    certificateOf('clientCa', caPath, clientCa, now);
  }
  // Anything else Node would refuse (unsupported key type, …) is reported now too.
  createSecureContext({ cert, key, ...(clientCa === undefined ? {} : { ca: clientCa }) });
  return { cert, key, minVersion: tls.minVersion, ...(clientCa === undefined ? {} : { clientCa }) };
}

/** Options for `https.createServer` / `http2.createSecureServer` / `tls.createServer`. */
export function serverTlsOptions(material: TlsMaterial): {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
  requestCert: boolean;
  rejectUnauthorized: boolean;
  minVersion: 'TLSv1.2' | 'TLSv1.3';
} {
  return {
    cert: material.cert,
    key: material.key,
    minVersion: material.minVersion,
    requestCert: material.clientCa !== undefined,
    rejectUnauthorized: material.clientCa !== undefined,
    ...(material.clientCa === undefined ? {} : { ca: material.clientCa }),
  };
}
