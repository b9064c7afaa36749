import type { ServerResponse } from 'node:http';

export interface SseStream {
  send(event: string | undefined, data: string, id?: string): boolean;
  comment(text: string): void;
  close(): void;
  readonly closed: boolean;
  onClose(listener: () => void): void;
}

/**
 * Turn a response into a Server-Sent Events stream with heartbeats, so idle proxies and clients
 * keep the connection and a dead peer is noticed.
 */
export function openSse(
  res: ServerResponse,
  heartbeatMs: number,
  headers: Readonly<Record<string, string>> = {},
): SseStream {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    ...headers,
  });
  res.flushHeaders();
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
  const stream: SseStream = {
    send(event, data, id) {
      if (closed) return false;
      let frame = '';
      if (id !== undefined) frame += `id: ${id}\n`;
      if (event !== undefined) frame += `event: ${event}\n`;
      for (const line of data.split('\n')) frame += `data: ${line}\n`;
      return res.write(`${frame}\n`);
    },
    comment(text) {
      if (!closed) res.write(`: ${text}\n\n`);
    },
    close() {
      if (!closed) res.end();
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
