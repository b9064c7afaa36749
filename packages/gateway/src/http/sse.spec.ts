import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { openSse } from './sse.js';
import type { SseStream } from './sse.js';

describe('SSE streams and a client that does not read', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise((resolve) => server?.close(resolve));
  });

  it('drops the client once more than the limit waits unread, instead of buffering every event', async () => {
    let stream: SseStream | undefined;
    const opened = new Promise<SseStream>((resolve) => {
      server = createServer((_req, res) => {
        stream = openSse(res, { heartbeatMs: 60_000, maxBufferedBytes: 256 * 1024 });
        resolve(stream);
      });
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const { port } = server?.address() as AddressInfo;
    // A client that sends its request and then never reads a byte.
    const socket = connect(port, '127.0.0.1', () => {
      socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      socket.pause();
    });
    const sse = await opened;
    const closed = new Promise<void>((resolve) => {
      sse.onClose(resolve);
    });
    const event = 'x'.repeat(64 * 1024);
    let sent = 0;
    while (!sse.closed && sent < 2000) {
      sse.send('message', event);
      sent += 1;
    }
    await closed;
    expect(stream?.closed).toBe(true);
    // Far fewer than 2,000 events (128 MB) were taken before the client was let go.
    expect(sent).toBeLessThan(2000);
    socket.destroy();
  });
});
