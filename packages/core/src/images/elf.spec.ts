import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readElfDynamic } from './elf.js';
import { consoleScripts, parseConsoleScripts } from './python-packages.js';

const run = promisify(execFile);

describe('reading what an ELF object links, without running it', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mcpman-elf-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lists the sonames of this Node binary, each of which ldd resolves too', async () => {
    const dynamic = await readElfDynamic(process.execPath);
    expect(dynamic?.needed).toContain('libc.so.6');
    const { stdout } = await run('ldd', [process.execPath]);
    for (const soname of dynamic?.needed ?? []) expect(stdout).toContain(soname);
    expect(dynamic?.is64).toBe(process.arch === 'x64' || process.arch === 'arm64');
  });

  it('answers undefined for what is not ELF, and never hangs or reads wildly on a broken one', async () => {
    const text = join(dir, 'script.so');
    await writeFile(text, '#!/bin/sh\necho hi\n');
    await expect(readElfDynamic(text)).resolves.toBeUndefined();
    const head = (await readFile(process.execPath)).subarray(0, 4096);
    const truncated = join(dir, 'truncated.so');
    await writeFile(truncated, head);
    // Its dynamic section lies past the end: nothing is found, or a clear error, never a crash.
    const nothing = (r: Awaited<ReturnType<typeof readElfDynamic>> | 'refused'): boolean =>
      r === 'refused' || r === undefined || r.needed.length === 0;
    expect(nothing(await readElfDynamic(truncated).catch(() => 'refused' as const))).toBe(true);
    const lying = Buffer.from(head);
    lying.writeUInt16LE(0xffff, 56); // e_phnum
    const liar = join(dir, 'liar.so');
    await writeFile(liar, lying);
    expect(nothing(await readElfDynamic(liar).catch(() => 'refused' as const))).toBe(true);
  });
});

describe('console scripts of a wheel, read as files', () => {
  it('parses the console_scripts section of entry_points.txt', () => {
    expect(
      parseConsoleScripts(
        '[gui_scripts]\nviewer = x:y\n\n[console_scripts]\nmcp-server-time = mcp_server_time:main\n  other=o:m [extra]\n# c\n',
      ),
    ).toEqual(['mcp-server-time', 'other']);
  });

  it('finds the distribution by its METADATA name and imports nothing (a sitecustomize.py stays unread)', async () => {
    const site = await mkdtemp(join(tmpdir(), 'mcpman-site-'));
    const marker = join(site, 'ran');
    try {
      await writeFile(join(site, 'sitecustomize.py'), `open(${JSON.stringify(marker)}, "w").write("x")\n`);
      const info = join(site, 'My_Server-1.0.dist-info');
      await run('mkdir', ['-p', info]);
      await writeFile(join(info, 'METADATA'), 'Metadata-Version: 2.1\nName: my.server\nVersion: 1.0\n');
      await writeFile(join(info, 'entry_points.txt'), '[console_scripts]\nmy-server = my_server:main\n');
      await expect(consoleScripts(site, 'My-Server')).resolves.toEqual(['my-server']);
      await expect(consoleScripts(site, 'someone-else')).rejects.toThrow(
        /no distribution named someone-else/,
      );
      await expect(readFile(marker, 'utf8')).rejects.toThrow();
    } finally {
      await rm(site, { recursive: true, force: true });
    }
  });
});
