import { describe, expect, it } from 'vitest';
import { FrameDemuxer, LineSplitter } from './demux.js';
import type { Frame } from './demux.js';

function frame(kind: number, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header.writeUInt8(kind, 0);
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

function run(chunks: Buffer[]): Promise<Frame[]> {
  const demuxer = new FrameDemuxer();
  const frames: Frame[] = [];
  demuxer.on('data', (f: Frame) => frames.push(f));
  return new Promise((resolve, reject) => {
    demuxer.on('end', () => {
      resolve(frames);
    });
    demuxer.on('error', reject);
    for (const chunk of chunks) demuxer.write(chunk);
    demuxer.end();
    demuxer.resume();
  });
}

describe('FrameDemuxer', () => {
  it('splits stdout and stderr frames merged in one chunk', async () => {
    const frames = await run([Buffer.concat([frame(1, 'out\n'), frame(2, 'err\n'), frame(1, 'more')])]);
    expect(frames.map((f) => [f.stream, f.payload.toString()])).toEqual([
      ['stdout', 'out\n'],
      ['stderr', 'err\n'],
      ['stdout', 'more'],
    ]);
  });

  it('reassembles a frame split across chunks, even inside the header', async () => {
    const bytes = Buffer.concat([frame(1, '{"jsonrpc":"2.0"}'), frame(2, 'x')]);
    const chunks = Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1));
    const frames = await run(chunks);
    expect(frames.map((f) => f.payload.toString())).toEqual(['{"jsonrpc":"2.0"}', 'x']);
  });

  it('refuses a stream that is not multiplexed, and one cut inside a frame', async () => {
    await expect(run([Buffer.from('plain text, no frames')])).rejects.toThrow(
      /not a multiplexed engine stream/,
    );
    await expect(run([frame(1, 'abcdef').subarray(0, 10)])).rejects.toThrow(/ended inside a frame/);
  });
});

describe('LineSplitter', () => {
  it('yields complete lines across chunks and keeps the rest', () => {
    const splitter = new LineSplitter();
    expect(splitter.push('a\nb')).toEqual(['a']);
    expect(splitter.push('c\r\nd\n')).toEqual(['bc', 'd']);
    expect(splitter.push('tail')).toEqual([]);
    expect(splitter.end()).toBe('tail');
    expect(splitter.end()).toBeUndefined();
  });

  it('cuts a line that never ends instead of growing without bound', () => {
    const splitter = new LineSplitter(10);
    expect(splitter.push('x'.repeat(25))).toEqual(['x'.repeat(25)]);
    expect(splitter.push('y\n')).toEqual(['y']);
  });
});
