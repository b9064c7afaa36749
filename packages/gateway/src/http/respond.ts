import type { IncomingMessage, ServerResponse } from 'node:http';
import { MCPError, MCPErrorCode, toMCPError } from '@mcpman/protocol';

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

/** Management API errors: `{error: {code, message, hint}}` with the code's HTTP status. */
export function sendError(res: ServerResponse, error: unknown): void {
  const mcpError = toMCPError(error);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, mcpError.httpStatus, { error: mcpError.toJSON() });
}

/** Read a request body up to `limit` bytes; more is PAYLOAD_TOO_LARGE, never buffered. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared > limit) {
      reject(tooLarge(limit));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      resolve(chunks.length === 1 && chunks[0] !== undefined ? chunks[0] : Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}

function tooLarge(limit: number): MCPError {
  return new MCPError(MCPErrorCode.PayloadTooLarge, `request body is larger than ${limit} bytes`, {
    hint: 'Send less, or raise gateway.maxRequestBytes.',
  });
}

/** Parse a JSON body; malformed JSON is a PROTOCOL_PARSE_ERROR. */
export async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const body = await readBody(req, limit);
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch (error) {
    throw new MCPError(MCPErrorCode.ProtocolParseError, 'request body is not valid JSON', { cause: error });
  }
}
