import { open } from 'node:fs/promises';

/*
 * What a shared object needs, read from its ELF dynamic section without running anything. `ldd`
 * runs the dynamic loader on the file, and its manual warns that an untrusted binary can run
 * code that way; a wheel's extension modules are untrusted, so they are only ever read.
 */

export interface ElfDynamic {
  /** e_machine: the architecture, so a library of another one is never taken for it. */
  readonly machine: number;
  readonly is64: boolean;
  /** DT_NEEDED: the sonames it links. */
  readonly needed: readonly string[];
  /** DT_RPATH and DT_RUNPATH entries, `$ORIGIN` not yet expanded. */
  readonly searchPaths: readonly string[];
}

const PT_DYNAMIC = 2;
const DT_NULL = 0;
const DT_NEEDED = 1;
const DT_STRTAB = 5;
const DT_RPATH = 15;
const DT_RUNPATH = 29;
/** No real extension module has a dynamic section or string table beyond this. */
const MAX_TABLE = 4 * 1024 * 1024;

class Reader {
  constructor(
    private readonly buffer: Buffer,
    private readonly little: boolean,
    readonly is64: boolean,
  ) {}

  u16(at: number): number {
    return this.little ? this.buffer.readUInt16LE(at) : this.buffer.readUInt16BE(at);
  }

  u32(at: number): number {
    return this.little ? this.buffer.readUInt32LE(at) : this.buffer.readUInt32BE(at);
  }

  /** An address or offset; past 2^53 it is nonsense in any file this reads. */
  word(at: number): number {
    if (!this.is64) return this.u32(at);
    const value = this.little ? this.buffer.readBigUInt64LE(at) : this.buffer.readBigUInt64BE(at);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error('offset out of range');
    return Number(value);
  }

  /** A signed tag of the dynamic section (d_tag). */
  tag(at: number): number {
    if (!this.is64) return this.little ? this.buffer.readInt32LE(at) : this.buffer.readInt32BE(at);
    const value = this.little ? this.buffer.readBigInt64LE(at) : this.buffer.readBigInt64BE(at);
    return value > BigInt(Number.MAX_SAFE_INTEGER) || value < -BigInt(Number.MAX_SAFE_INTEGER)
      ? -1
      : Number(value);
  }
}

async function readAt(path: string, offset: number, length: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, offset);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function cString(table: Buffer, offset: number): string {
  if (offset < 0 || offset >= table.length) throw new Error('string offset out of range');
  const end = table.indexOf(0, offset);
  return table.toString('utf8', offset, end < 0 ? table.length : end);
}

/**
 * The dynamic section of an ELF file: undefined for anything that is not a dynamically linked
 * ELF object (a script, a static binary, garbage). Malformed files throw.
 */
export async function readElfDynamic(path: string): Promise<ElfDynamic | undefined> {
  const head = await readAt(path, 0, 64);
  if (head.length < 52 || head.toString('latin1', 0, 4) !== '\x7fELF') return undefined;
  const is64 = head[4] === 2;
  const little = head[5] === 1;
  if ((head[4] !== 1 && !is64) || (head[5] !== 1 && head[5] !== 2)) return undefined;
  const h = new Reader(head, little, is64);
  const machine = h.u16(18);
  const phoff = is64 ? h.word(32) : h.u32(28);
  const phentsize = h.u16(is64 ? 54 : 42);
  const phnum = h.u16(is64 ? 56 : 44);
  if (phnum === 0 || phentsize < (is64 ? 56 : 32)) return undefined;
  const table = await readAt(path, phoff, phentsize * phnum);
  const p = new Reader(table, little, is64);
  let dynamic: { offset: number; size: number } | undefined;
  const loads: { vaddr: number; offset: number; filesz: number }[] = [];
  for (let i = 0; i < phnum && (i + 1) * phentsize <= table.length; i++) {
    const at = i * phentsize;
    const type = p.u32(at);
    const offset = is64 ? p.word(at + 8) : p.u32(at + 4);
    const vaddr = is64 ? p.word(at + 16) : p.u32(at + 8);
    const filesz = is64 ? p.word(at + 32) : p.u32(at + 16);
    if (type === PT_DYNAMIC) dynamic = { offset, size: filesz };
    if (type === 1) loads.push({ vaddr, offset, filesz });
  }
  if (dynamic === undefined) return undefined;
  if (dynamic.size > MAX_TABLE) throw new Error('dynamic section too large');
  const section = await readAt(path, dynamic.offset, dynamic.size);
  const d = new Reader(section, little, is64);
  const entry = is64 ? 16 : 8;
  const needed: number[] = [];
  const paths: number[] = [];
  let strtab: number | undefined;
  for (let at = 0; at + entry <= section.length; at += entry) {
    const tag = d.tag(at);
    const value = is64 ? d.word(at + 8) : d.u32(at + 4);
    if (tag === DT_NULL) break;
    if (tag === DT_NEEDED) needed.push(value);
    else if (tag === DT_RPATH || tag === DT_RUNPATH) paths.push(value);
    else if (tag === DT_STRTAB) strtab = value;
  }
  if (strtab === undefined) return { machine, is64, needed: [], searchPaths: [] };
  // DT_STRTAB is an address: the load segment that holds it says where it is in the file.
  const address = strtab;
  const segment = loads.find((l) => address >= l.vaddr && address < l.vaddr + l.filesz);
  if (segment === undefined) throw new Error('string table outside every load segment');
  const start = segment.offset + (address - segment.vaddr);
  const strings = await readAt(path, start, Math.min(MAX_TABLE, segment.offset + segment.filesz - start));
  return {
    machine,
    is64,
    needed: needed.map((offset) => cString(strings, offset)),
    searchPaths: paths.flatMap((offset) => cString(strings, offset).split(':')).filter((s) => s !== ''),
  };
}
