import { request } from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { MCPError, MCPErrorCode } from '@mcpman/protocol';
import { EngineErrorWire } from './types.js';

/** API version prefix; Podman 4 and 5 serve it. */
export const API_PREFIX = '/v4.0.0';

export interface RawResponse {
  readonly status: number;
  readonly body: Buffer;
}

export interface RawRequestOptions {
  readonly method: string;
  readonly path: string;
  readonly body?: string | Buffer;
  readonly contentType?: string;
  readonly signal?: AbortSignal;
}

/** One request over the engine's unix socket, body buffered. Used for libpod-only endpoints. */
export function rawRequest(socketPath: string, options: RawRequestOptions): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (options.body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
    const req = request(
      {
        socketPath,
        method: options.method,
        path: `${API_PREFIX}${options.path}`,
        headers,
        signal: options.signal,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A streaming GET (events, logs): resolves with the response once headers arrive. */
export function streamRequest(
  socketPath: string,
  path: string,
  signal?: AbortSignal,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method: 'GET', path: `${API_PREFIX}${path}`, signal }, (res) => {
      if ((res.statusCode ?? 0) >= 300) {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          reject(engineError(res.statusCode ?? 0, Buffer.concat(chunks), `GET ${path}`));
        });
        return;
      }
      resolve(res);
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * `POST …/attach` with an HTTP upgrade: the engine hands over the raw connection, which carries
 * stdin one way and multiplexed stdout/stderr the other. Sent without a body, because Podman
 * forwards any request body to the container's stdin.
 */
export function hijack(socketPath: string, path: string): Promise<{ socket: Socket; head: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({
      socketPath,
      method: 'POST',
      path: `${API_PREFIX}${path}`,
      headers: { Connection: 'Upgrade', Upgrade: 'tcp' },
    });
    req.on('upgrade', (_res, socket, head) => {
      resolve({ socket, head });
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        reject(engineError(res.statusCode ?? 0, Buffer.concat(chunks), `attach ${path}`));
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** The engine's own message from an error body, when it has one. */
export function engineMessage(body: Buffer | string): string {
  const text = body.toString().trim();
  try {
    const parsed = EngineErrorWire.safeParse(JSON.parse(text));
    if (parsed.success) return parsed.data.message ?? parsed.data.cause ?? text;
  } catch {
    // Not JSON: use the text.
  }
  return text;
}

/** Map an engine HTTP failure to our error model; 5xx and connection trouble are transient. */
export function engineError(
  status: number,
  body: Buffer | string,
  what: string,
  notFound?: MCPErrorCode,
): MCPError {
  const message = `${what}: ${engineMessage(body) || `HTTP ${status}`}`;
  if (status === 404 && notFound !== undefined) return new MCPError(notFound, message, { data: { status } });
  const code =
    status >= 500 && status !== 500 ? MCPErrorCode.EngineUnavailable : MCPErrorCode.EngineRequestFailed;
  return new MCPError(code, message, { data: { status } });
}
