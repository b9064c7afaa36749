import { Cancellation } from '@mcpman/core';
import type { JsonObject, JsonRpcMessage, JsonRpcRequest } from '@mcpman/core';
import { ParkedCall } from './input-bridge.js';
import type { CallOwner, InputBridge } from './input-bridge.js';
import type { ClientSession } from './session.js';
import type { CallContext } from './upstream-hub.js';

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
