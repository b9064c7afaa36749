import { connect, constants } from 'node:http2';
import type { ClientHttp2Session, IncomingHttpHeaders } from 'node:http2';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { PROTO_DIR, PROTO_FILE } from '@mcpman/gateway';
import type { EchoTarget } from './workload.js';

const CALL_TOOL_PATH = '/mcpman.mcp.v1.Mcp/CallTool';

/**
 * A minimal gRPC client for `CallTool`: each call is one HTTP/2 stream on one connection, the
 * request a length-prefixed protobuf message, the answer read from the stream's messages and
 * its trailers. grpc-js's client spends about 350 us of CPU a call (its channel, call stack and
 * interceptors), which caps one bench process below half of direct stdio whatever the server
 * does; this one does what the gRPC wire protocol needs and nothing else, so the row shows the
 * gateway's gRPC transport, as the lean Streamable HTTP client shows the gateways' HTTP.
 */
export async function leanGrpcTarget(label: string, address: string, server: string): Promise<EchoTarget> {
  const root = await protobuf.load(join(PROTO_DIR, PROTO_FILE));
  const request = root.lookupType('mcpman.mcp.v1.CallToolRequest');
  const event = root.lookupType('mcpman.mcp.v1.CallEvent');
  const session: ClientHttp2Session = connect(`http://${address}`);
  await new Promise<void>((resolve, reject) => {
    session.once('connect', () => {
      resolve();
    });
    session.once('error', reject);
  });
  // The request never changes: encode it once, as a client sending the same call would cache it.
  const body = frame(
    request
      .encode(request.create({ name: 'echo', argumentsJson: JSON.stringify({ message: 'hi' }) }))
      .finish(),
  );
  const headers = {
    [constants.HTTP2_HEADER_METHOD]: 'POST',
    [constants.HTTP2_HEADER_PATH]: CALL_TOOL_PATH,
    [constants.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc',
    te: 'trailers',
    'mcp-server': server,
  };
  const call = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const stream = session.request(headers, { endStream: false });
      const chunks: Buffer[] = [];
      let status: string | undefined;
      let message = '';
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('trailers', (trailers: IncomingHttpHeaders) => {
        status = String(trailers['grpc-status']);
        message = String(trailers['grpc-message'] ?? '');
      });
      stream.on('response', (response) => {
        // A call that fails before any message answers with its status in the headers.
        if (response['grpc-status'] !== undefined) status = String(response['grpc-status']);
      });
      stream.on('error', reject);
      stream.on('close', () => {
        if (status !== '0') {
          reject(new Error(`CallTool: grpc-status ${status ?? 'missing'} ${message}`));
          return;
        }
        const results = messages(Buffer.concat(chunks)).map(
          (bytes) => event.toObject(event.decode(bytes)) as { resultJson?: string },
        );
        const last = results.at(-1)?.resultJson;
        if (last === undefined || last === '') {
          reject(new Error('CallTool: no result'));
          return;
        }
        const result = JSON.parse(last) as { isError?: boolean };
        if (result.isError === true) reject(new Error(`echo failed: ${last}`));
        else resolve();
      });
      stream.end(body);
    });
  return {
    label,
    call,
    close: () =>
      new Promise((resolve) => {
        session.close(() => {
          resolve();
        });
      }),
  };
}

/** One gRPC message: not compressed, its length, its bytes. */
function frame(message: Uint8Array): Buffer {
  const out = Buffer.alloc(5 + message.length);
  out.writeUInt32BE(message.length, 1);
  out.set(message, 5);
  return out;
}

/** The messages of a gRPC response body (uncompressed, as this client asks for no encoding). */
function messages(data: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at + 5 <= data.length;) {
    if (data[at] !== 0) throw new Error('CallTool: a compressed message, which this client did not ask for');
    const length = data.readUInt32BE(at + 1);
    out.push(data.subarray(at + 5, at + 5 + length));
    at += 5 + length;
  }
  return out;
}
