import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { WebSocket } from 'ws';
import { MCPError, MCPErrorCode } from '@mcpman/core';
import { ExitCode } from '../io.js';
import type { CliIO, ExitCodeValue } from '../io.js';
import { reportError } from '../errors.js';
import { gatewayUrl } from './clients.js';

export interface ConnectOptions {
  readonly url?: string;
  /** The config whose gateway is meant, when no URL is given. */
  readonly file?: string;
  readonly token?: string;
  /** PEM CA for a gateway with a self-signed or private certificate. */
  readonly ca?: string;
  /** PEM client certificate and key, for a gateway that requires them (mTLS). */
  readonly cert?: string;
  readonly key?: string;
}

function readPem(flag: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new MCPError(MCPErrorCode.ConfigInvalid, `${flag} ${path}: ${(error as Error).message}`);
  }
}

/** The gateway's WebSocket URL for `server` (or all servers). */
export async function gatewayWebSocketUrl(
  server: string | undefined,
  options: ConnectOptions,
  io: CliIO,
): Promise<URL> {
  const explicit = options.url ?? io.env['MCPMAN_URL'];
  const url = explicit === undefined ? await gatewayUrl(options, io) : new URL(explicit);
  url.protocol = url.protocol === 'https:' || url.protocol === 'wss:' ? 'wss:' : 'ws:';
  url.pathname = server === undefined ? '/ws' : `/servers/${encodeURIComponent(server)}/ws`;
  return url;
}

/**
 * `mcpman connect [name]`: a stdio MCP server for clients that can only spawn a command (Claude
 * Desktop, many IDEs). Each line on stdin goes to the gateway over one WebSocket and every
 * message back is written to stdout; nothing else is written there. Diagnostics go to stderr.
 */
export async function connectCommand(
  server: string | undefined,
  options: ConnectOptions,
  io: CliIO,
): Promise<ExitCodeValue> {
  try {
    const url = await gatewayWebSocketUrl(server, options, io);
    const token = options.token ?? io.env['MCPMAN_TOKEN'];
    if ((options.cert === undefined) !== (options.key === undefined)) {
      throw new MCPError(MCPErrorCode.ConfigInvalid, '--cert and --key go together', {
        hint: 'Pass both the client certificate and its key.',
      });
    }
    const socket = new WebSocket(url, 'mcp', {
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
      ...(options.ca === undefined ? {} : { ca: readPem('--ca', options.ca) }),
      ...(options.cert === undefined ? {} : { cert: readPem('--cert', options.cert) }),
      ...(options.key === undefined ? {} : { key: readPem('--key', options.key) }),
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => {
        resolve();
      });
      socket.once('unexpected-response', (_req, res) => {
        reject(
          new MCPError(
            res.statusCode === 401 || res.statusCode === 403
              ? MCPErrorCode.AuthRequired
              : MCPErrorCode.TransportError,
            `the gateway at ${url.toString()} refused the connection (HTTP ${res.statusCode ?? 0})`,
            {
              hint:
                res.statusCode === 401
                  ? 'Pass a token with --token or MCPMAN_TOKEN.'
                  : 'Check the server name with `mcpman ls`.',
            },
          ),
        );
      });
      socket.once('error', (error) => {
        reject(
          new MCPError(
            MCPErrorCode.UpstreamUnavailable,
            `cannot reach the gateway at ${url.toString()}: ${error.message}`,
            {
              hint: 'Start it with `mcpman up`, or pass --url.',
            },
          ),
        );
      });
    });
    const lines = createInterface({ input: io.stdin, crlfDelay: Infinity });
    const pending: string[] = [];
    lines.on('line', (line) => {
      if (line.trim() === '') return;
      if (socket.readyState === socket.OPEN) socket.send(line);
      else pending.push(line);
    });
    socket.on('message', (data) => {
      io.stdout(`${(data as Buffer).toString('utf8')}\n`);
    });
    return await new Promise<ExitCodeValue>((resolve) => {
      // The client closing stdin ends the session; the gateway closing ends this process.
      lines.once('close', () => {
        socket.close();
        resolve(ExitCode.Ok);
      });
      socket.once('close', (code, reason) => {
        if (code !== 1000 && code !== 1005)
          io.stderr(`mcpman connect: the gateway closed the connection (${code} ${reason.toString()})\n`);
        lines.close();
        resolve(code === 1000 || code === 1005 ? ExitCode.Ok : ExitCode.Failure);
      });
    });
  } catch (error) {
    return reportError(error, io, false);
  }
}
