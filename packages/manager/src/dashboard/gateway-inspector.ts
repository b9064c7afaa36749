import {
  Cancellation,
  LATEST_SESSION_ERA_VERSION,
  MCPError,
  MCPErrorCode,
  parseErrorCode,
} from '@mcpman/protocol';
import { serverNotFound } from '../api/management-api.js';
import type { JsonObject, JsonRpcErrorBody } from '@mcpman/protocol';
import type { Gateway } from '@mcpman/gateway';
import { ClientSession } from '@mcpman/gateway';
import type { Identity } from '@mcpman/gateway';

/**
 * The dashboard's MCP client: each request goes through the gateway's own pipeline (scope,
 * tool filters, rate limits, metrics, audit), in a short-lived session scoped to one server, so
 * what the tool tester shows is what any MCP client of that server gets.
 */
export class GatewayInspector {
  constructor(
    private readonly gateway: Gateway,
    private readonly identity: Identity,
  ) {}

  async request(server: string, method: string, params: JsonObject, timeoutMs: number): Promise<JsonObject> {
    if (!this.gateway.hasServer(server)) {
      throw serverNotFound(server, 'The server list shows the current ones.');
    }
    const session = new ClientSession('dashboard', { kind: 'server', server }, this.identity);
    session.protocolVersion = LATEST_SESSION_ERA_VERSION;
    session.clientInfo = { name: 'mcpman-dashboard', version: '1' };
    session.initialized = true;
    this.gateway.openSession(session);
    const cancellation = new Cancellation();
    const unfollow = cancellation.follow(AbortSignal.timeout(timeoutMs));
    try {
      const response = await this.gateway.handle(
        session,
        { jsonrpc: '2.0', id: 1, method, params },
        { emit: () => undefined, cancellation },
      );
      if (response === undefined)
        throw new MCPError(MCPErrorCode.UpstreamProtocol, `${method} got no response`);
      if ('error' in response) throw fromJsonRpc(response.error);
      return response.result;
    } finally {
      unfollow();
      session.close();
    }
  }

  /** Every page of a list method. */
  async list(server: string, method: string, key: string, timeoutMs: number): Promise<JsonObject[]> {
    const items: JsonObject[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 100; page++) {
      const result = await this.request(server, method, cursor === undefined ? {} : { cursor }, timeoutMs);
      const found = result[key];
      if (Array.isArray(found)) items.push(...(found as JsonObject[]));
      const next = result['nextCursor'];
      if (typeof next !== 'string' || next === '') break;
      cursor = next;
    }
    return items;
  }
}

/** The manager's error back from its JSON-RPC form (code and hint travel in `data`). */
function fromJsonRpc(error: JsonRpcErrorBody): MCPError {
  const data = typeof error.data === 'object' && error.data !== null ? (error.data as JsonObject) : {};
  const code = typeof data['code'] === 'string' ? parseErrorCode(data['code']) : undefined;
  const hint = data['hint'];
  return new MCPError(code ?? MCPErrorCode.UpstreamProtocol, error.message, {
    ...(typeof hint === 'string' ? { hint } : {}),
  });
}
