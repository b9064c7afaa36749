import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDevCertificates, writeDevCertificates } from './dev-certs.js';
import type { DevCertificateFiles } from './dev-certs.js';
import { loadTlsMaterial, serverTlsOptions } from './tls-material.js';

describe('development certificates and TLS material', () => {
  let dir: string;
  let files: DevCertificateFiles;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mcpman-tls-'));
    files = await writeDevCertificates(dir, await makeDevCertificates({ clients: ['alice'] }));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes private keys 0600 by replacing, never through a link planted at their names', async () => {
    const { lstat, readFile, symlink } = await import('node:fs/promises');
    const other = await mkdtemp(join(tmpdir(), 'mcpman-tls-link-'));
    try {
      const victim = join(other, 'victim');
      await writeFile(victim, 'keep me\n', { mode: 0o644 });
      await symlink(victim, join(other, 'server-key.pem'));
      const written = await writeDevCertificates(other, await makeDevCertificates());
      expect(await readFile(victim, 'utf8')).toBe('keep me\n');
      const key = await lstat(written.serverKey);
      expect(key.isSymbolicLink()).toBe(false);
      expect(key.mode & 0o777).toBe(0o600);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it('makes a CA-signed localhost certificate and client certificates', async () => {
    const { readFile } = await import('node:fs/promises');
    const ca = new X509Certificate(await readFile(files.caCert));
    const server = new X509Certificate(await readFile(files.serverCert));
    const client = new X509Certificate(await readFile(files.clients['alice']!.cert));
    expect(ca.ca).toBe(true);
    expect(server.checkIssued(ca) && server.verify(ca.publicKey)).toBe(true);
    expect(server.checkHost('localhost')).toBe('localhost');
    expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(server.checkIP('::1')).toBe('::1');
    expect(server.checkHost('example.com')).toBeUndefined();
    expect(client.subject).toBe('CN=alice');
    expect(client.checkIssued(ca)).toBe(true);
  });

  it('loads cert, key and client CA, paths relative to the config folder', async () => {
    const material = await loadTlsMaterial(
      { cert: 'server.pem', key: 'server-key.pem', clientCa: 'ca.pem', minVersion: 'TLSv1.3' },
      dir,
    );
    expect(serverTlsOptions(material)).toMatchObject({
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: 'TLSv1.3',
    });
    const plain = await loadTlsMaterial(
      { cert: files.serverCert, key: files.serverKey, minVersion: 'TLSv1.2' },
      '/',
    );
    expect(serverTlsOptions(plain)).toMatchObject({ requestCert: false, minVersion: 'TLSv1.2' });
  });

  it('names the field and the problem for missing, mismatched, expired and non-PEM files', async () => {
    const load = (cert: string, key: string, now?: Date): Promise<unknown> =>
      loadTlsMaterial({ cert, key, minVersion: 'TLSv1.2' }, dir, now).then(
        () => 'loaded',
        (error: unknown) => String(error),
      );
    expect(await load('missing.pem', 'server-key.pem')).toMatch(
      /gateway\.tls\.cert \(.*missing\.pem\): the file does not exist/,
    );
    expect(await load('server.pem', files.clients['alice']!.key)).toMatch(
      /gateway\.tls\.key .*: the key does not belong to the certificate/,
    );
    expect(await load('server.pem', 'server-key.pem', new Date(Date.now() + 2 * 365 * 86_400_000))).toMatch(
      /gateway\.tls\.cert .*: the certificate expired on/,
    );
    await writeFile(join(dir, 'junk.pem'), 'not a certificate');
    expect(await load('junk.pem', 'server-key.pem')).toMatch(/gateway\.tls\.cert .*: not a PEM certificate/);
    expect(await load('server.pem', 'junk.pem')).toMatch(/gateway\.tls\.key .*: not a PEM private key/);
  });
});
