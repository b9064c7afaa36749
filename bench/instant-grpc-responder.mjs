// The floor for an RPC per call on gRPC: grpc-js serving our `.proto`'s CallTool with an instant
// echo result, no gateway and no server behind it. Our generated client against this shows what
// grpc-js, HTTP/2 and protobuf cost by themselves on both ends.
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { mcpProto } from '@mcpman/gateway';

const port = Number(process.argv[2] ?? 0);
// The gateway's own loading of the proto, so the floor decodes and encodes as the gateway does.
const { Mcp } = mcpProto().mcpman.mcp.v1;
const server = new Server({ 'grpc.enable_channelz': 0 });
server.addService(Mcp.service, {
  CallTool: (call) => {
    const args = JSON.parse(call.request.argumentsJson || '{}');
    const result = { content: [{ type: 'text', text: `Echo: ${args.message}` }] };
    call.write({ resultJson: JSON.stringify(result) });
    call.end();
  },
});
server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (error, bound) => {
  if (error) throw error;
  process.stdout.write(`listening ${bound}\n`);
});
