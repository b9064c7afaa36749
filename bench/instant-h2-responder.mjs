// The floor under any gRPC server library in Node: bare node:http2 answering our `.proto`'s
// CallTool with an instant echo result, decoded and encoded with protobufjs, no gRPC library,
// gateway or server. Against the grpc-js floor row it shows what grpc-js adds per call on top of
// the HTTP/2 stream that every Node gRPC server pays for.
import { createServer } from 'node:http2';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { PROTO_DIR, PROTO_FILE } from '@mcpman/gateway';

const port = Number(process.argv[2] ?? 0);
const root = await protobuf.load(join(PROTO_DIR, PROTO_FILE));
const request = root.lookupType('mcpman.mcp.v1.CallToolRequest');
const event = root.lookupType('mcpman.mcp.v1.CallEvent');

/** One gRPC message: not compressed, its length, its bytes. */
function frame(message) {
  const out = Buffer.alloc(5 + message.length);
  out.writeUInt32BE(message.length, 1);
  out.set(message, 5);
  return out;
}

const server = createServer();
server.on('stream', (stream, headers) => {
  if (headers[':path'] !== '/mcpman.mcp.v1.Mcp/CallTool') {
    stream.respond(
      { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '12' },
      { endStream: true },
    );
    return;
  }
  const chunks = [];
  stream.on('data', (chunk) => chunks.push(chunk));
  stream.on('end', () => {
    const data = Buffer.concat(chunks);
    const call = request.decode(data.subarray(5, 5 + data.readUInt32BE(1)));
    const args = JSON.parse(call.argumentsJson || '{}');
    const result = { content: [{ type: 'text', text: `Echo: ${args.message}` }] };
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
    stream.end(frame(event.encode({ resultJson: JSON.stringify(result) }).finish()));
  });
});
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
