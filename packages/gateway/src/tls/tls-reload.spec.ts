import { X509Certificate } from 'node:crypto';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { GatewayConfigSchema } from '@mcpman/core';
import { toDisposable } from '@mcpman/protocol';
import { GatewayServer } from '../gateway-server.js';
import type { ServerDirectory } from '../pipeline/directory.js';
import { makeDevCertificates } from './dev-certs.js';
import type { DevCertificates } from './dev-certs.js';
import { loadTlsMaterial } from './tls-material.js';

const EMPTY: ServerDirectory = {
  names: () => [],
  get: () => undefined,
  onStateChange: () => toDisposable(() => undefined),
};

/** The serial number of the certificate a new TLS connection to `port` is shown. */
function servedSerial(port: number, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(
      { host: '127.0.0.1', port, ca, servername: 'localhost', ALPNProtocols: ['h2', 'http/1.1'] },
      () => {
        const serial = socket.getPeerX509Certificate()?.serialNumber ?? '';
        socket.end();
        resolve(serial);
      },
    );
    socket.once('error', reject);
  });
}

describe('TLS certificate reload', () => {
  let dir: string;
  let first: DevCertificates;
  let renewed: DevCertificates | undefined;
  let server: GatewayServer;
  let port = 0;
  let grpcPort = 0;
  const reports: { ok: boolean; message: string }[] = [];

  /** Replace a file the way deploy tools do: write beside it, rename over it. */
  const replace = async (name: string, text: string): Promise<void> => {
    await writeFile(join(dir, `${name}.new`), text);
    await rename(join(dir, `${name}.new`), join(dir, name));
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mcpman-tls-'));
    first = await makeDevCertificates();
    await writeFile(join(dir, 'server.pem'), first.server.cert);
    await writeFile(join(dir, 'server-key.pem'), first.server.key);
    const tls = { cert: 'server.pem', key: 'server-key.pem', minVersion: 'TLSv1.2' as const };
    server = new GatewayServer({
      config: GatewayConfigSchema.parse({ listen: '127.0.0.1:0', grpc: { listen: '127.0.0.1:0' }, tls }),
      directory: EMPTY,
      serverInfo: { name: 'mcpman', version: 'test' },
      stateDir: dir,
      tls: await loadTlsMaterial(tls, dir),
    });
    port = Number((await server.start()).port);
    grpcPort = server.grpc?.port ?? 0;
    expect(await servedSerial(grpcPort, first.ca.cert)).toBe(
      new X509Certificate(first.server.cert).serialNumber,
    );
    server.watchTls(tls, dir, (event) => reports.push(event));
  });

  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves a renewed certificate to new connections without dropping open ones', async () => {
    const firstSerial = new X509Certificate(first.server.cert).serialNumber;
    expect(await servedSerial(port, first.ca.cert)).toBe(firstSerial);
    const ws = new WebSocket(`wss://localhost:${port}/ws`, 'mcp', { ca: first.ca.cert });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });

    renewed = await makeDevCertificates();
    await replace('server-key.pem', renewed.server.key);
    await replace('server.pem', renewed.server.cert);
    await expect
      .poll(() => reports.filter((r) => r.ok).length, { timeout: 10_000 })
      .toBeGreaterThanOrEqual(1);
    const renewedSerial = new X509Certificate(renewed.server.cert).serialNumber;
    expect(await servedSerial(port, renewed.ca.cert)).toBe(renewedSerial);
    // The gRPC listener takes the same material.
    expect(await servedSerial(grpcPort, renewed.ca.cert)).toBe(renewedSerial);

    // The WebSocket opened before the reload still carries MCP.
    const answer = new Promise<string>((resolve) =>
      ws.once('message', (data: Buffer) => {
        resolve(data.toString());
      }),
    );
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'ping' }));
    expect(JSON.parse(await answer)).toMatchObject({ id: 7 });
    ws.close();
  });

  it('keeps the certificate in use when the new files do not load, and says why', async () => {
    const before = reports.length;
    const other = await makeDevCertificates();
    await replace('server-key.pem', other.server.key); // a key that does not match server.pem
    await expect.poll(() => reports.length, { timeout: 10_000 }).toBeGreaterThan(before);
    const report = reports.at(-1);
    expect(report?.ok).toBe(false);
    expect(report?.message).toContain('the key does not belong to the certificate');
    const current = renewed;
    if (current === undefined) throw new Error('the first test renews the certificate');
    expect(await servedSerial(port, current.ca.cert)).toBe(
      new X509Certificate(current.server.cert).serialNumber,
    );
  });
});
