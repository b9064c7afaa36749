import { constants, createGzip } from 'node:zlib';
import type { ServerResponse } from 'node:http';
import type { Gzip } from 'node:zlib';

export interface SseStream {
  send(event: string | undefined, data: string, id?: string): boolean;
  comment(text: string): void;
  close(): void;
  readonly closed: boolean;
  onClose(listener: () => void): void;
}

export interface SseOptions {
  readonly heartbeatMs: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** gzip the stream, flushing after every event so nothing waits in the compressor. */
  readonly gzip?: boolean;
  /** A client that lets more than this wait unread is dropped (default 8 MiB). */
  readonly maxBufferedBytes?: number;
}

const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

/**
 * Turn a response into a Server-Sent Events stream with heartbeats, so idle proxies and clients
 * keep the connection and a dead peer is noticed.
 */
export function openSse(res: ServerResponse, options: SseOptions | number): SseStream {
  const {
    heartbeatMs,
    headers = {},
    gzip = false,
    maxBufferedBytes = MAX_BUFFERED_BYTES,
  } = typeof options === 'number' ? { heartbeatMs: options } : options;
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    ...(gzip ? { 'content-encoding': 'gzip', vary: 'accept-encoding' } : {}),
    ...headers,
  });
  res.flushHeaders();
  let out: ServerResponse | Gzip = res;
  let compressor: Gzip | undefined;
  if (gzip) {
    const zip = createGzip({ flush: constants.Z_SYNC_FLUSH });
    zip.pipe(res);
    // zlib's native state is freed when the stream is destroyed, not when it is garbage.
    res.once('close', () => zip.destroy());
    compressor = zip;
    out = zip;
  }
  let closed = false;
  const listeners: (() => void)[] = [];
  const heartbeat = setInterval(() => {
    stream.comment('keep-alive');
  }, heartbeatMs);
  heartbeat.unref();
  const finish = (): void => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    for (const listener of listeners.splice(0)) listener();
  };
  res.on('close', finish);
  const write = (text: string): boolean => {
    const ok = out.write(text);
    compressor?.flush(constants.Z_SYNC_FLUSH);
    // A client that does not read would have every later event buffered here: it is dropped
    // instead (a resumable stream can be picked up again with Last-Event-ID).
    if (!ok && res.writableLength + (compressor?.writableLength ?? 0) > maxBufferedBytes) {
      res.destroy();
      finish();
    }
    return ok;
  };
  const stream: SseStream = {
    send(event, data, id) {
      if (closed) return false;
      let frame = '';
      if (id !== undefined) frame += `id: ${id}\n`;
      if (event !== undefined) frame += `event: ${event}\n`;
      for (const line of data.split('\n')) frame += `data: ${line}\n`;
      return write(`${frame}\n`);
    },
    comment(text) {
      if (!closed) write(`: ${text}\n\n`);
    },
    close() {
      if (!closed) out.end();
      finish();
    },
    get closed() {
      return closed;
    },
    onClose(listener) {
      if (closed) listener();
      else listeners.push(listener);
    },
  };
  return stream;
}
