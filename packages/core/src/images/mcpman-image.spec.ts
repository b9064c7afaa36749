import { describe, expect, it } from 'vitest';
import { MCPError } from '@mcpman/protocol';
import { parseLdd } from './ldd.js';
import { mcpmanCommand } from './mcpman-image.js';

const LDD = `\tlinux-vdso.so.1 (0x00007ffd5c3f1000)
\tlibdl.so.2 => /lib/x86_64-linux-gnu/libdl.so.2 (0x00007f3a1c0b0000)
\tlibstdc++.so.6 => /lib/x86_64-linux-gnu/libstdc++.so.6 (0x00007f3a1be00000)
\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f3a1bc1f000)
\t/lib64/ld-linux-x86-64.so.2 (0x00007f3a1c0c8000)
`;

describe('parseLdd', () => {
  it('lists each library by soname and finds the loader, leaving out the vDSO', () => {
    const parsed = parseLdd(LDD, 'node');
    expect(parsed.loader).toBe('/lib64/ld-linux-x86-64.so.2');
    expect(parsed.libraries).toEqual([
      { soname: 'libdl.so.2', path: '/lib/x86_64-linux-gnu/libdl.so.2' },
      { soname: 'libstdc++.so.6', path: '/lib/x86_64-linux-gnu/libstdc++.so.6' },
      { soname: 'libc.so.6', path: '/lib/x86_64-linux-gnu/libc.so.6' },
    ]);
  });

  it('refuses a binary with a missing library, naming it', () => {
    expect(() => parseLdd('\tlibfoo.so.1 => not found\n\t/lib64/ld.so (0x1)\n', 'node')).toThrow(
      /libfoo\.so\.1/,
    );
  });

  it('refuses a statically linked binary', () => {
    expect(() => parseLdd('\tnot a dynamic executable\n', 'node')).toThrow(MCPError);
  });
});

describe('mcpmanCommand', () => {
  it('runs the shipped Node through the shipped loader, so nothing comes from the image around it', () => {
    expect(mcpmanCommand(['gateway'])).toEqual([
      '/opt/mcpman/runtime/lib/ld.so',
      '--library-path',
      '/opt/mcpman/runtime/lib',
      '/opt/mcpman/runtime/bin/node',
      '/opt/mcpman/app/mcpman.mjs',
      'gateway',
    ]);
  });
});
