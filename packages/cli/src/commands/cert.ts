import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MCPError, MCPErrorCode } from '@mcpman/protocol';
import { makeDevCertificates, writeDevCertificates } from '@mcpman/gateway';
import { ExitCode } from '../io.js';
import type { CliIO, ExitCodeValue } from '../io.js';
import { reportError } from '../errors.js';
import { stateDir } from '../daemon/state.js';

export interface CertDevOptions {
  readonly dir?: string;
  readonly client?: readonly string[];
  readonly host?: readonly string[];
  readonly force?: boolean;
}

const CLIENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * `mcpman cert dev`: a local CA, a server certificate for localhost (and any --host), and
 * client certificates for mTLS, written as PEM files; prints the gateway.tls section to use.
 */
export async function certDevCommand(options: CertDevOptions, io: CliIO): Promise<ExitCodeValue> {
  try {
    const dir = resolve(io.cwd, options.dir ?? join(stateDir(io.env), 'certs'));
    const clients = options.client ?? [];
    for (const name of clients) {
      if (!CLIENT_NAME.test(name)) {
        throw new MCPError(MCPErrorCode.ConfigInvalid, `--client ${name}: expected letters, digits, . _ -`);
      }
    }
    if (existsSync(join(dir, 'ca.pem')) && options.force !== true) {
      throw new MCPError(MCPErrorCode.ConfigInvalid, `${dir} already holds certificates`, {
        hint: 'Pass --force to replace them (clients trusting the old CA will need the new one).',
      });
    }
    const hosts = ['localhost', '127.0.0.1', '::1', ...(options.host ?? [])];
    const files = await writeDevCertificates(dir, await makeDevCertificates({ hosts, clients }));
    io.stdout(
      [
        `wrote a development CA and a certificate for ${hosts.join(', ')} to ${dir}`,
        `  CA certificate (give it to clients): ${files.caCert}`,
        ...Object.entries(files.clients).map(
          ([name, pair]) => `  client certificate ${name}: ${pair.cert} (key ${pair.key})`,
        ),
        '',
        'Add to mcpman.yaml:',
        'gateway:',
        '  tls:',
        `    cert: ${files.serverCert}`,
        `    key: ${files.serverKey}`,
        ...(clients.length > 0 ? [`    clientCa: ${files.caCert}   # clients need a certificate`] : []),
        '',
      ].join('\n'),
    );
    return ExitCode.Ok;
  } catch (error) {
    return reportError(error, io, false);
  }
}
