import { once } from 'node:events';
import { constants, openSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AttachedStreams } from '../engine/engine-client.js';
import type { Frame } from '../engine/demux.js';
import { makeStdioPipes, openStdioPipes, pruneStdioPipes } from './stdio-pipes.js';
import { StdioAttachConnection } from './stdio-attach-connection.js';
import { pipesChannel } from './stdio-channel.js';
import type { JsonRpcMessage } from '@mcpman/protocol';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'mcpman-pipes-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** The engine's attach stream (stderr and the exit) as the engine client hands it over. */
function fakeAttach(): Omit<AttachedStreams, 'frames'> & { frames: PassThrough; closed: boolean } {
  const frames = new PassThrough({ objectMode: true });
  const attached = {
    stdin: new PassThrough(),
    frames,
    closed: false,
    close: () => {
      attached.closed = true;
      frames.destroy();
    },
  };
  return attached;
}

/** What the launcher in the container does: stdin opened for reading, stdout for writing. */
function containerSide(dir: string): { stdin: Socket; stdout: Socket } {
  const stdin = new Socket({ fd: openSync(join(dir, 'stdin'), constants.O_RDONLY | constants.O_NONBLOCK) });
  const stdout = new Socket({
    fd: openSync(join(dir, 'stdout'), constants.O_WRONLY | constants.O_NONBLOCK),
    readable: false,
    writable: true,
  });
  return { stdin, stdout };
}

async function collect(frames: AsyncIterable<Frame>): Promise<Frame[]> {
  const seen: Frame[] = [];
  for await (const frame of frames) seen.push(frame);
  return seen;
}

describe('makeStdioPipes', () => {
  it('makes stdin and stdout FIFOs anyone may open, under a root only the manager can enter', async () => {
    const stdioRoot = join(root, 'stdio');
    await mkdir(stdioRoot, { mode: 0o755 });
    const dir = await makeStdioPipes(stdioRoot, 'mcpman-a');
    expect(dir).toBe(join(stdioRoot, 'mcpman-a'));
    for (const name of ['stdin', 'stdout']) {
      const stat = await lstat(join(dir, name));
      expect(stat.isFIFO()).toBe(true);
      expect(stat.mode & 0o777).toBe(0o666);
    }
    expect((await lstat(dir)).mode & 0o777).toBe(0o755);
    // Made 0700 even when it was there before with looser permissions.
    expect((await lstat(stdioRoot)).mode & 0o777).toBe(0o700);
  });

  it('keeps FIFOs already there (a restarted container has them mounted) and replaces anything else', async () => {
    const dir = await makeStdioPipes(root, 'mcpman-a');
    const before = await lstat(join(dir, 'stdin'));
    await rm(join(dir, 'stdout'));
    await writeFile(join(dir, 'stdout'), 'not a fifo');
    await makeStdioPipes(root, 'mcpman-a');
    expect((await lstat(join(dir, 'stdin'))).ino).toBe(before.ino);
    expect((await lstat(join(dir, 'stdout'))).isFIFO()).toBe(true);
  });
});

describe('pruneStdioPipes', () => {
  it('removes the directories of containers that are gone and keeps the rest', async () => {
    await makeStdioPipes(root, 'mcpman-kept');
    await makeStdioPipes(root, 'mcpman-gone');
    await pruneStdioPipes(root, new Set(['mcpman-kept']));
    expect(await readdir(root)).toEqual(['mcpman-kept']);
  });

  it('does nothing when the root does not exist yet', async () => {
    await expect(pruneStdioPipes(join(root, 'missing'), new Set())).resolves.toBeUndefined();
  });
});

describe('pipesChannel.release', () => {
  it('removes the container directory and never the root or anything above it', async () => {
    const channel = pipesChannel(root);
    await makeStdioPipes(root, 'mcpman-a');
    await makeStdioPipes(root, 'mcpman-b');
    for (const name of ['', '.', '..', '../x']) await channel.release(name);
    expect((await readdir(root)).sort()).toEqual(['mcpman-a', 'mcpman-b']);
    await channel.release('mcpman-a');
    expect(await readdir(root)).toEqual(['mcpman-b']);
  });
});

describe('openStdioPipes', () => {
  it('carries stdin and stdout over the FIFOs and stderr over the attach stream, in order', async () => {
    const dir = await makeStdioPipes(root, 'mcpman-a');
    const attached = fakeAttach();
    const streams = openStdioPipes(dir, attached);
    const container = containerSide(dir);
    const seen = collect(streams.frames as AsyncIterable<Frame>);

    streams.stdin.write('{"jsonrpc":"2.0","id":1,"method":"ping"}\n');
    const [request] = (await once(container.stdin, 'data')) as [Buffer];
    expect(request.toString()).toBe('{"jsonrpc":"2.0","id":1,"method":"ping"}\n');

    container.stdout.write('{"jsonrpc":"2.0","id":1,"result":{}}\n');
    attached.frames.write({ stream: 'stderr', payload: Buffer.from('a log line\n') } satisfies Frame);
    attached.frames.write({ stream: 'stdout', payload: Buffer.from('written before the launcher\n') });
    container.stdout.end('last words\n');
    await once(container.stdout, 'close');
    // The container exited: the attach stream ends, after the FIFO's last bytes are read.
    attached.frames.end();

    const frames = await seen;
    const text = (kind: string): string =>
      frames
        .filter((f) => f.stream === kind)
        .map((f) => f.payload.toString())
        .join('');
    expect(text('stdout')).toBe('{"jsonrpc":"2.0","id":1,"result":{}}\nlast words\n');
    expect(text('stderr')).toBe('a log line\nwritten before the launcher\n');
    container.stdin.destroy();
  });

  it('ends even when the server never opened its stdout (it died first)', async () => {
    const dir = await makeStdioPipes(root, 'mcpman-a');
    const attached = fakeAttach();
    const streams = openStdioPipes(dir, attached);
    const seen = collect(streams.frames as AsyncIterable<Frame>);
    attached.frames.end();
    expect(await seen).toEqual([]);
  });

  it('close() gives the server end-of-file on stdin and closes the attach stream', async () => {
    const dir = await makeStdioPipes(root, 'mcpman-a');
    const attached = fakeAttach();
    const streams = openStdioPipes(dir, attached);
    const container = containerSide(dir);
    container.stdin.resume();
    const ended = once(container.stdin, 'end');
    streams.close();
    await ended;
    expect(attached.closed).toBe(true);
    container.stdout.destroy();
  });
});

describe('StdioAttachConnection over any AttachedStreams', () => {
  it('reads a message whose multi-byte character is cut between two chunks', async () => {
    const attached = fakeAttach();
    const connection = new StdioAttachConnection(attached, { description: 'test' });
    const messages: JsonRpcMessage[] = [];
    const got = new Promise<void>((resolve) => {
      connection.onmessage = (message) => {
        messages.push(message);
        resolve();
      };
    });
    await connection.start();
    const line = Buffer.from('{"jsonrpc":"2.0","id":1,"result":{"text":"héllo ✓"}}\n');
    const cut = line.indexOf(Buffer.from('✓')) + 1; // inside the three bytes of ✓
    attached.frames.write({ stream: 'stdout', payload: line.subarray(0, cut) } satisfies Frame);
    attached.frames.write({ stream: 'stdout', payload: line.subarray(cut) } satisfies Frame);
    await got;
    expect(messages).toEqual([{ jsonrpc: '2.0', id: 1, result: { text: 'héllo ✓' } }]);
    await connection.close();
  });
});
