import type { Disposable, JsonRpcId, JsonRpcMessage } from '@mcpman/protocol';

/** Who a POST's response stream belongs to, and the requests it answers. */
export interface SharedStreamInfo {
  readonly streamId: string;
  readonly sessionId: string;
  readonly requestIds: readonly JsonRpcId[];
}

/** How following a stream of another replica ended. */
export type FollowEnd =
  | { readonly kind: 'finished' }
  /** The replica that owned the stream stopped before its last response: these never came. */
  | { readonly kind: 'owner-gone'; readonly unanswered: readonly JsonRpcId[] }
  | { readonly kind: 'aborted' };

/**
 * The events of session-era POST streams, kept where every replica of a cluster reads them, so a
 * client whose stream was cut resumes it with `Last-Event-ID` on whichever replica it reaches.
 * The replica that answers the request writes; another one replays what the client missed and
 * follows the rest as it is written. Writes never wait: a stream is never slowed by the store.
 */
export interface SharedEventLog extends Disposable {
  open(info: SharedStreamInfo): void;
  append(streamId: string, seq: number, message: JsonRpcMessage | undefined, final: boolean): void;
  /** Whether `streamId` is a stream of `sessionId` that the log has (throws when it cannot tell). */
  has(streamId: string, sessionId: string): Promise<boolean>;
  /** Events after `afterSeq`, then new ones as they come, until the stream ends. */
  follow(
    streamId: string,
    afterSeq: number,
    onEvent: (seq: number, message: JsonRpcMessage | undefined) => void,
    signal: AbortSignal,
  ): Promise<FollowEnd>;
}
