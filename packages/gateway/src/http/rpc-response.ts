import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { STATUS_CODES } from 'node:http';
import type { ServerResponse, IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { MCPError } from '@mcpman/protocol';
import type { JsonRpcErrorBody, JsonRpcId, MCPErrorCode } from '@mcpman/protocol';

/**
 * JSON-RPC over HTTP responses: the one writer of transport-level failures, shared by the MCP
 * transports and the authentication in front of them.
 */

/** Bodies smaller than this go out uncompressed: compressing them costs more than it saves. */
const COMPRESS_MIN_BYTES = 1024;

export type Encoding = 'br' | 'gzip' | undefined;

/** The encoding to use, if compression is on and the client takes one. */
export function chooseEncoding(req: IncomingMessage, enabled: boolean): Encoding {
  if (!enabled) return undefined;
  const header = req.headers['accept-encoding'];
  const value = Array.isArray(header) ? header.join(',') : (header ?? '');
  if (/\bbr\b/.test(value)) return 'br';
  if (/\bgzip\b/.test(value)) return 'gzip';
  return undefined;
}

export function writeJsonBody(
  res: ServerResponse,
  status: number,
  body: unknown,
  encoding: Encoding,
  headers: Readonly<Record<string, string>> = {},
): void {
  let payload: Buffer | string = JSON.stringify(body);
  const extra: Record<string, string> = {};
  if (encoding !== undefined && payload.length >= COMPRESS_MIN_BYTES) {
    payload =
      encoding === 'br'
        ? brotliCompressSync(payload, { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } })
        : gzipSync(payload, { level: 5 });
    extra['content-encoding'] = encoding;
    extra['vary'] = 'accept-encoding';
  }
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
    ...extra,
    ...headers,
  });
  res.end(payload);
}

/** A JSON-RPC error as an HTTP response (transport-level failures). */
export function writeRpcError(
  res: ServerResponse,
  status: number,
  id: JsonRpcId | null,
  error: JsonRpcErrorBody,
  headers: Readonly<Record<string, string>> = {},
): void {
  writeJsonBody(res, status, { jsonrpc: '2.0', id, error }, undefined, headers);
}

/**
 * The one writer of transport-level failures on HTTP: the status and JSON-RPC code both come
 * from the error's code (`core/src/errors/codes.ts`), so a condition reads the same on every
 * transport. `status` overrides the table where a revision of the spec says otherwise.
 */
export function writeError(
  res: ServerResponse,
  error: MCPError,
  options: {
    readonly id?: JsonRpcId | null;
    readonly status?: number;
    readonly headers?: Readonly<Record<string, string>>;
  } = {},
): void {
  writeRpcError(
    res,
    options.status ?? error.httpStatus,
    options.id ?? null,
    error.toJsonRpc(),
    options.headers,
  );
}

/** A transport-level refusal: the code says what it is; the message says it to a person. */
export function refusal(
  code: MCPErrorCode,
  message: string,
  data?: Readonly<Record<string, unknown>>,
): MCPError {
  return new MCPError(code, message, data === undefined ? {} : { data });
}

/**
 * Answer an upgrade request with a refusal and close the socket: the status from the error's
 * code and the JSON-RPC error as the body, as an HTTP transport would answer the same request.
 */
export function refuseUpgrade(socket: Duplex, error: MCPError): void {
  if (socket.destroyed) return;
  const body = JSON.stringify({ jsonrpc: '2.0', id: null, error: error.toJsonRpc() });
  const status = error.httpStatus;
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
