import { MCPError, MCPErrorCode } from '@mcpman/protocol';
import type { Gateway } from '../pipeline/gateway.js';
import type { TraceContext } from '../pipeline/request-context.js';
import type { ClientSession } from '../pipeline/session.js';

/**
 * One frame of a message-stream transport (WebSocket, the gRPC Session stream): JSON text in;
 * its response, and everything the gateway sends about it, out through `send`. A frame that is
 * not JSON gets the JSON-RPC parse error with a null id, as it has no id to answer.
 * `traceContext` is the stream's own (its upgrade request's or call's), for every frame.
 */
export function serveFrame(
  gateway: Gateway,
  session: ClientSession,
  text: string,
  send: (message: unknown) => void,
  traceContext?: TraceContext,
): void {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    send({
      jsonrpc: '2.0',
      id: null,
      error: new MCPError(
        MCPErrorCode.ProtocolParseError,
        'Parse error: the message is not valid JSON',
      ).toJsonRpc(),
    });
    return;
  }
  const context = traceContext === undefined ? { emit: send } : { emit: send, traceContext };
  void gateway.handle(session, message, context).then((response) => {
    if (response !== undefined) send(response);
  });
}
