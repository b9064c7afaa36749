import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { createInterface } from 'node:readline';
import { WebSocket } from 'ws';
import { MCPError, MCPErrorCode } from '@mcpman/protocol';
import type { JsonRpcErrorBody } from '@mcpman/protocol';
import { ExitCode } from '../io.js';
import type { CliIO, ExitCodeValue } from '../io.js';
import { reportError } from '../errors.js';
import { gatewayUrl } from './clients.js';

export interface ConnectOptions {
  readonly url?: string;
  /** A profile's endpoint instead of every server's. */
  readonly profile?: string;
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

/** The gateway's WebSocket URL for `server`, `options.profile`, or all servers. */
export async function gatewayWebSocketUrl(
  server: string | undefined,
  options: ConnectOptions,
  io: CliIO,
): Promise<URL> {
  if (server !== undefined && options.profile !== undefined)
    throw new MCPError(MCPErrorCode.ConfigInvalid, 'connect to a server or to --profile, not both');
  const explicit = options.url ?? io.env['MCPMAN_URL'];
  const url = explicit === undefined ? await gatewayUrl(options, io) : new URL(explicit);
  url.protocol = url.protocol === 'https:' || url.protocol === 'wss:' ? 'wss:' : 'ws:';
  url.pathname =
    options.profile !== undefined
      ? `/profiles/${encodeURIComponent(options.profile)}/ws`
      : server === undefined
        ? '/ws'
        : `/servers/${encodeURIComponent(server)}/ws`;
  return url;
}

/** What the gateway said when it refused the WebSocket: its status and JSON-RPC error. */
interface Refusal {
  readonly status: number;
  readonly error: JsonRpcErrorBody | undefined;
}

function readRefusal(res: IncomingMessage): Promise<Refusal> {
  return new Promise((resolve) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      if (body.length < 64 * 1024) body += chunk;
    });
    res.on('end', () => {
      let error: JsonRpcErrorBody | undefined;
      try {
        const parsed = JSON.parse(body) as { error?: unknown };
        const candidate = parsed.error as Partial<JsonRpcErrorBody> | undefined;
        if (typeof candidate?.code === 'number' && typeof candidate.message === 'string')
          error = candidate as JsonRpcErrorBody;
      } catch {
        // Not JSON: the status says it.
      }
      resolve({ status: res.statusCode ?? 0, error });
    });
    res.on('error', () => {
      resolve({ status: res.statusCode ?? 0, error: undefined });
    });
  });
}

/**
 * The gateway refused the connection (no such server, no credentials): the client still gets a
 * JSON-RPC answer to each request, the gateway's own error, as it would over HTTP, and the
 * reason goes to stderr. Ends when the client closes stdin.
 */
async function answerRefused(refused: Refusal, url: URL, io: CliIO): Promise<ExitCodeValue> {
  const error: JsonRpcErrorBody = refused.error ?? {
    code: -32603,
    message: `the gateway refused the connection (HTTP ${refused.status})`,
  };
  io.stderr(
    `mcpman connect: the gateway at ${url.toString()} refused the connection (HTTP ${refused.status}): ${error.message}\n`,
  );
  const lines = createInterface({ input: io.stdin, crlfDelay: Infinity });
  lines.on('line', (line) => {
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      return;
    }
    const id = (message as { id?: unknown }).id;
    if (typeof id === 'string' || typeof id === 'number')
      io.stdout(`${JSON.stringify({ jsonrpc: '2.0', id, error })}\n`);
  });
  await once(lines, 'close');
  return ExitCode.Failure;
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
    const refused = await new Promise<Refusal | undefined>((resolve, reject) => {
      socket.once('open', () => {
        resolve(undefined);
      });
      socket.once('unexpected-response', (_req, res) => {
        readRefusal(res).then(resolve, reject);
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
    if (refused !== undefined) return await answerRefused(refused, url, io);
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
