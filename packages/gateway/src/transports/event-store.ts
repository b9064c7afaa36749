import type { JsonRpcMessage } from '@mcpman/protocol';
import type { SseStream } from '../http/sse.js';

interface StoredEvent {
  readonly seq: number;
  readonly message: JsonRpcMessage | undefined;
}

/**
 * One logical SSE stream of a session-era Streamable HTTP session: the response stream of one POST,
 * or the session's GET stream. Its events are numbered and kept (bounded), so a client that
 * lost the connection can reconnect with GET + Last-Event-ID and get the rest.
 */
export class ResumableStream {
  private seq = 0;
  private readonly events: StoredEvent[] = [];
  private connection: SseStream | undefined;
  /** The POST's response was sent: once it is delivered the stream is over. */
  private finished = false;

  constructor(
    readonly id: string,
    private readonly maxEvents: number,
    /** The GET stream of a session stays open; a POST stream ends with its response. */
    readonly persistent: boolean,
    /** Also gets every event (a cluster's shared log, for resuming on another replica). */
    private readonly sink?: (seq: number, message: JsonRpcMessage | undefined, final: boolean) => void,
    /** Called once the final event went out on a connection: nothing is left to resume. */
    private readonly onDelivered?: () => void,
  ) {}

  get done(): boolean {
    return this.finished;
  }

  /** Attach a connection and replay everything after `afterSeq`. */
  connect(connection: SseStream, afterSeq: number): void {
    this.connection = connection;
    connection.onClose(() => {
      if (this.connection === connection) this.connection = undefined;
    });
    for (const event of this.events) if (event.seq > afterSeq) this.write(event);
    if (this.finished) {
      connection.close();
      this.delivered();
    }
  }

  get connected(): boolean {
    return this.connection !== undefined && !this.connection.closed;
  }

  /** A priming event (id, no data): the client then has an id to resume from. */
  prime(): void {
    this.record(undefined);
  }

  send(message: JsonRpcMessage): void {
    this.record(message);
  }

  /** The last message of a POST stream (its response): close once it is out. */
  finish(message: JsonRpcMessage): void {
    this.record(message, true);
    this.finished = true;
    if (this.connection !== undefined) {
      this.connection.close();
      this.delivered();
    }
  }

  private deliveredOnce = false;

  private delivered(): void {
    if (this.deliveredOnce) return;
    this.deliveredOnce = true;
    // The connection (its socket, its compressor) is no longer needed: only the events are kept.
    this.connection = undefined;
    this.onDelivered?.();
  }

  private record(message: JsonRpcMessage | undefined, final = false): void {
    const event: StoredEvent = { seq: ++this.seq, message };
    this.sink?.(event.seq, message, final);
    this.events.push(event);
    if (this.events.length > this.maxEvents) this.events.shift();
    if (this.connection !== undefined) this.write(event);
  }

  private write(event: StoredEvent): void {
    this.connection?.send(
      event.message === undefined ? undefined : 'message',
      event.message === undefined ? '' : JSON.stringify(event.message),
      `${this.id}.${event.seq}`,
    );
  }
}

/** `<streamId>.<seq>` → parts. */
export function parseEventId(value: string): { streamId: string; seq: number } | undefined {
  const dot = value.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const seq = Number(value.slice(dot + 1));
  return Number.isInteger(seq) && seq >= 0 ? { streamId: value.slice(0, dot), seq } : undefined;
}
