import { Cancellation, INPUT_METHODS, MCPError, MCPErrorCode } from '@mcpman/protocol';
import type {
  JsonObject,
  JsonRpcMessage,
  JsonRpcRequest,
  McpPeer,
  PeerRequestOptions,
  ProtocolEra,
} from '@mcpman/protocol';
import { ParkedCall } from './input-bridge.js';
import type { CallOwner, InputBridge } from './input-bridge.js';
import type { ClientSession } from './session.js';
import type { CallContext } from './call-context.js';

/*
 * Where a call crosses protocol eras, in one place. Servers ask their user for input in two
 * ways: a session-era server sends requests to the client mid-call (elicitation, sampling,
 * roots); a 2026-07-28 server ends the call with an InputRequiredResult and reads the answers
 * on the retry. When client and server differ, one of the two bridges below turns one way into
 * the other; `inputBridge` chooses, once per call, from the two eras.
 */

/** A 2026-07-28 server asking a session-era client for input more often than this is stopped. */
const MAX_INPUT_ROUNDS = 16;

export type InputBridgeKind =
  /** Same way on both sides (or a method that cannot ask): nothing to bridge. */
  | 'none'
  /** Session-era server, 2026-07-28 client: its requests become InputRequiredResults (`bridgedCall`). */
  | 'requests-as-results'
  /** 2026-07-28 server, session-era client: its InputRequiredResults become requests (`answerInputRequired`). */
  | 'results-as-requests';

/**
 * The bridge a call needs, from the client's era and the server's (undefined when the call names
 * no one server, or the server is not connected: treated as session-era, the way that asks
 * mid-call).
 */
export function inputBridge(
  client: ProtocolEra,
  server: ProtocolEra | undefined,
  method: string,
): InputBridgeKind {
  if (client === 'stateless')
    return server !== 'stateless' && INPUT_METHODS.has(method) ? 'requests-as-results' : 'none';
  return server === 'stateless' ? 'results-as-requests' : 'none';
}

/** What `answerInputRequired` needs of the upstream side: the server, and a way to ask the client. */
export interface InputTarget {
  readonly server: string;
  readonly peer: McpPeer;
  /** Ask the client one embedded request, as the server-to-client request it stands for. */
  readonly ask: (method: string, params: JsonObject) => Promise<JsonObject>;
}

/**
 * A 2026-07-28 server answered a session-era client's call with an InputRequiredResult: ask the
 * client each embedded request as a server-to-client request, as a session-era server would have,
 * and retry with the answers and the server's requestState until the call completes.
 */
export async function answerInputRequired(
  target: InputTarget,
  method: string,
  params: JsonObject,
  first: JsonObject,
  options: PeerRequestOptions,
): Promise<JsonObject> {
  let result = first;
  for (let round = 1; result['resultType'] === 'input_required'; round += 1) {
    if (round > MAX_INPUT_ROUNDS) {
      throw new MCPError(
        MCPErrorCode.UpstreamProtocol,
        `server ${target.server} asked for input more than ${MAX_INPUT_ROUNDS} times in one call`,
      );
    }
    const requests = result['inputRequests'];
    const entries = Object.entries(
      typeof requests === 'object' && requests !== null ? (requests as JsonObject) : {},
    );
    const answers = await Promise.all(
      entries.map(async ([key, request]) => {
        const { method: asked, params: askedParams } = (request ?? {}) as {
          method?: unknown;
          params?: unknown;
        };
        if (typeof asked !== 'string') {
          throw new MCPError(
            MCPErrorCode.UpstreamProtocol,
            `server ${target.server} sent input request ${key} without a method`,
          );
        }
        return [key, await target.ask(asked, (askedParams ?? {}) as JsonObject)] as const;
      }),
    );
    const state = result['requestState'];
    result = await target.peer.request(
      method,
      {
        ...params,
        inputResponses: Object.fromEntries(answers),
        ...(typeof state === 'string' ? { requestState: state } : {}),
      },
      options,
    );
  }
  return result;
}

/** A retry of an InputRequiredResult: its state and answers are checked on the bridged path. */
export function hasInputParams(request: JsonRpcRequest): boolean {
  const params = request.params;
  return params !== undefined && ('requestState' in params || 'inputResponses' in params);
}

/**
 * A call from a stateless-era client that a session-era server may interrupt with requests to
 * the client (sampling, elicitation, roots). Those end this request with an
 * InputRequiredResult; the client's retry (new id, `inputResponses`, `requestState`) answers
 * them and resumes the same upstream call.
 */
export async function bridgedCall(
  bridge: InputBridge,
  session: ClientSession,
  request: JsonRpcRequest,
  round: { readonly emit: (message: JsonRpcMessage) => void; readonly cancellation: Cancellation },
  route: (request: JsonRpcRequest, call: CallContext) => Promise<JsonObject>,
): Promise<JsonObject> {
  const { inputResponses, requestState, ...params } = request.params ?? {};
  const target = params['name'] ?? params['uri'];
  const owner: CallOwner = {
    identity: session.identity.name,
    ...(session.requestScoped ? {} : { session: session.id }),
    method: request.method,
    ...(typeof target === 'string' ? { target } : {}),
  };
  let parked: ParkedCall;
  if (requestState !== undefined) {
    parked = bridge.resolve(requestState, owner);
    parked.supply(inputResponses ?? {});
  } else {
    // Answers without a state to resume are checked, then the call starts afresh.
    if (inputResponses !== undefined) ParkedCall.validate(inputResponses);
    const fresh = new ParkedCall(session.clientCapabilities, new Cancellation(), owner);
    const call: CallContext = {
      session,
      emit: (message) => {
        fresh.emit(message);
      },
      cancellation: fresh.abort,
      onServerRequest: fresh.collect,
    };
    // Parked first: a caller past its cap is refused before anything reaches the server.
    bridge.park(fresh);
    fresh.follow(route({ ...request, params }, call));
    parked = fresh;
  }
  // Progress of this round goes to this round's response stream.
  parked.emitTo = round.emit;
  const unfollow = round.cancellation.onAbort(() => {
    parked.cancel('the client closed the request');
    bridge.release(parked);
  });
  try {
    const outcome = await parked.next();
    if (outcome.kind === 'done') {
      bridge.release(parked);
      return outcome.result;
    }
    return {
      resultType: 'input_required',
      inputRequests: parked.inputRequests(),
      requestState: bridge.token(parked),
    };
  } catch (error) {
    bridge.release(parked);
    throw error;
  } finally {
    unfollow();
    parked.emitTo = undefined;
  }
}
