// The floor for any Streamable HTTP gateway: an HTTP responder that answers MCP instantly, with
// no server behind it. A client against this shows what the client and HTTP cost by themselves.
import { createServer } from 'node:http';

const port = Number(process.argv[2] ?? 0);
let nextSession = 1;
const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    if (req.method !== 'POST') {
      res.writeHead(405).end();
      return;
    }
    const message = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (message.id === undefined) {
      res.writeHead(202).end();
      return;
    }
    const headers = { 'content-type': 'application/json' };
    let result = {};
    if (message.method === 'initialize') {
      headers['mcp-session-id'] = String(nextSession++);
      result = {
        protocolVersion: message.params.protocolVersion,
        capabilities: { tools: {} },
        serverInfo: { name: 'instant', version: '1' },
      };
    } else if (message.method === 'tools/call') {
      result = { content: [{ type: 'text', text: `Echo: ${message.params.arguments.message}` }] };
    }
    const body = JSON.stringify({ jsonrpc: '2.0', id: message.id, result });
    headers['content-length'] = String(Buffer.byteLength(body));
    res.writeHead(200, headers).end(body);
  });
});
server.listen(port, '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`));
