import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, cp, mkdir, mkdtemp, readdir, realpath, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import type { EngineClient } from '../engine/engine-client.js';
import { LABEL } from '../runtime/labels.js';
import { canonicalJson, fileDigest, sha256 } from '@mcpman/protocol';
import type { ImageProgress } from './progress.js';
import { readElfDynamic } from './elf.js';
import { sharedLibraries } from './ldd.js';
import type { HostPython } from './python-packages.js';

const run = promisify(execFile);

/** Where the interpreter lives in the base image (PYTHONHOME). */
export const PYTHON_HOME = '/opt/python';
export const PYTHON_LIB = `${PYTHON_HOME}/lib`;
export const PYTHON_BIN = `${PYTHON_HOME}/bin/python3`;
/** Bump when the layout below changes, so base images are rebuilt. */
const PYTHON_BASE_FORMAT = '1';
const CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

/**
 * Parts of the standard library a server never needs (tests, GUI, the bundled pip and the C
 * build kit with its static libpython), left out to keep the image small.
 */
const LEFT_OUT = new Set([
  'test',
  'idlelib',
  'tkinter',
  'turtledemo',
  'ensurepip',
  'lib2to3',
  'site-packages',
  'dist-packages',
]);

/** The tag of the base for this interpreter: a new Python (or a rebuilt one) gets a new base. */
export async function pythonBaseTag(python: HostPython): Promise<string> {
  const digest = sha256(
    canonicalJson({ f: PYTHON_BASE_FORMAT, exe: await fileDigest(python.executable), v: python.version }),
  );
  return `localhost/mcpman/python-base:${python.version}-${digest.slice(0, 16)}`;
}

/** A .py file, or a .pyc this interpreter reads (not other versions' or optimised ones). */
function keep(name: string, cacheTag: string, inCache: boolean): boolean {
  if (!inCache) return true;
  return name.endsWith(`.${cacheTag}.pyc`);
}

/** Copy the standard library, keeping timestamps so the .pyc files stay valid for their .py. */
async function copyStdlib(from: string, to: string, cacheTag: string): Promise<string[]> {
  const extensions: string[] = [];
  await cp(from, to, {
    recursive: true,
    preserveTimestamps: true,
    dereference: true,
    filter: (source) => {
      const rel = relative(from, source);
      const parts = rel.split('/');
      if (parts.some((part) => LEFT_OUT.has(part) || part.startsWith('config-'))) return false;
      const name = basename(source);
      const inCache = parts.includes('__pycache__');
      if (name.endsWith('.so')) extensions.push(source);
      return keep(name, cacheTag, inCache && name.endsWith('.pyc'));
    },
  });
  return extensions;
}

/**
 * Build the Python base image from this machine's own interpreter, as set-up does for Node:
 * there is no image registry to pull `python:3` from, and the interpreter that installed a
 * server's wheels is the one whose ABI they were built for. `FROM scratch` with the interpreter
 * under /opt/python, its standard library, every shared library `ldd` lists for it and its
 * extension modules (in /opt/python/lib, found through LD_LIBRARY_PATH), the dynamic loader at
 * the path the binaries name, `sh` and `cat` (probes and wrappers use them) and the CA bundle.
 */
export async function buildPythonBase(
  engine: EngineClient,
  python: HostPython,
  tag: string,
  workDir: string,
  onProgress?: (progress: ImageProgress) => void,
): Promise<void> {
  await mkdir(workDir, { recursive: true });
  const dir = await mkdtemp(join(workDir, 'python-base-'));
  try {
    const root = join(dir, 'rootfs');
    const home = join(root, PYTHON_HOME.slice(1));
    onProgress?.({
      phase: 'building',
      message: `copying Python ${python.version} from ${python.executable}`,
    });
    await mkdir(join(home, 'bin'), { recursive: true });
    await copyFile(python.executable, join(home, 'bin', 'python3'));
    const libName = `python${python.version.split('.').slice(0, 2).join('.')}`;
    const extensions = await copyStdlib(python.stdlib, join(home, 'lib', libName), python.cacheTag);
    if (python.platstdlib !== python.stdlib && existsSync(join(python.platstdlib, 'lib-dynload'))) {
      await cp(join(python.platstdlib, 'lib-dynload'), join(home, 'lib', libName, 'lib-dynload'), {
        recursive: true,
        preserveTimestamps: true,
      });
      for (const file of await readdir(join(python.platstdlib, 'lib-dynload')))
        if (file.endsWith('.so')) extensions.push(join(python.platstdlib, 'lib-dynload', file));
    }
    const tools = ['/bin/sh', '/bin/cat'].filter((tool) => existsSync(tool));
    const loader = await copyLibraries(
      [python.executable, ...tools, ...extensions],
      join(root, PYTHON_LIB.slice(1)),
    );
    if (loader === undefined) throw new Error('ldd found no dynamic loader for the Python interpreter');
    await mkdir(join(root, dirname(loader).slice(1)), { recursive: true });
    await copyFile(await realpath(loader), join(root, loader.slice(1)));
    for (const tool of tools) {
      await mkdir(join(root, dirname(tool).slice(1)), { recursive: true });
      await copyFile(await realpath(tool), join(root, tool.slice(1)));
    }
    if (existsSync(CA_BUNDLE)) {
      await mkdir(join(root, dirname(CA_BUNDLE).slice(1)), { recursive: true });
      await copyFile(await realpath(CA_BUNDLE), join(root, CA_BUNDLE.slice(1)));
    }
    await mkdir(join(root, 'tmp'), { recursive: true });
    await writeFile(
      join(dir, 'Containerfile'),
      [
        'FROM scratch',
        'COPY rootfs/ /',
        `ENV PYTHONHOME=${PYTHON_HOME} LD_LIBRARY_PATH=${PYTHON_LIB} PATH=${PYTHON_HOME}/bin:/bin PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 HOME=/tmp${existsSync(CA_BUNDLE) ? ` SSL_CERT_FILE=${CA_BUNDLE}` : ''}`,
        `ENTRYPOINT ["${PYTHON_BIN}"]`,
        '',
      ].join('\n'),
    );
    onProgress?.({ phase: 'building', message: `building ${tag} (loader ${loader})` });
    await engine.buildImage({
      context: dir,
      files: ['Containerfile', 'rootfs'],
      containerfile: 'Containerfile',
      tag,
      labels: { [LABEL.source]: `python:${python.version}` },
      onOutput: (line) => onProgress?.({ phase: 'building', message: line }),
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Every library the binaries need, copied into `lib` by soname, except those inside `skipUnder`
 * (a wheel's own bundled libraries, found through its RPATH); returns the dynamic loader.
 */
export async function copyLibraries(
  binaries: readonly string[],
  lib: string,
  skipUnder?: string,
): Promise<string | undefined> {
  await mkdir(lib, { recursive: true });
  let loader: string | undefined;
  const copied = new Set<string>();
  for (const binary of binaries) {
    // ldd refuses some files (static, or not ELF): they need nothing from us.
    const found = await sharedLibraries(binary).catch(() => undefined);
    if (found === undefined) continue;
    loader ??= found.loader;
    for (const library of found.libraries) {
      if (copied.has(library.soname)) continue;
      if (skipUnder !== undefined && library.path.startsWith(`${skipUnder}/`)) continue;
      copied.add(library.soname);
      await copyFile(await realpath(library.path), join(lib, library.soname));
    }
  }
  return loader;
}

/** soname → paths, from the dynamic loader's cache (`ldconfig -p` reads a file, runs nothing). */
async function loaderCache(): Promise<Map<string, string[]>> {
  const ldconfig = ['/sbin/ldconfig', '/usr/sbin/ldconfig'].find((path) => existsSync(path)) ?? 'ldconfig';
  const { stdout } = await run(ldconfig, ['-p'], { maxBuffer: 16 * 1024 * 1024 });
  const cache = new Map<string, string[]>();
  for (const line of stdout.split('\n')) {
    const match = /^\s+(\S+)\s+\(.*\)\s+=>\s+(\/\S+)$/.exec(line);
    if (match?.[1] === undefined || match[2] === undefined) continue;
    cache.set(match[1], [...(cache.get(match[1]) ?? []), match[2]]);
  }
  return cache;
}

/**
 * The system libraries a wheel's extension modules need beyond what the wheels bundle, copied
 * into `lib` with their own dependencies. The modules come from a package index and are never
 * run: their needs are read from their ELF dynamic sections (`ldd` would run the loader on
 * them), found on this machine through the loader's cache, and only those host libraries (this
 * machine's own files) go through `ldd` for what they need in turn.
 */
export async function copyWheelLibraries(
  extensions: readonly string[],
  lib: string,
  site: string,
): Promise<void> {
  await mkdir(lib, { recursive: true });
  const bundled = new Set(
    (await readdir(site, { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile())
      .map((e) => e.name),
  );
  let cache: Map<string, string[]> | undefined;
  const hostLibraries = new Set<string>();
  for (const extension of extensions) {
    const dynamic = await readElfDynamic(extension).catch(() => undefined);
    if (dynamic === undefined) continue;
    for (const soname of dynamic.needed) {
      if (bundled.has(soname) || soname.includes('/')) continue;
      cache ??= await loaderCache();
      for (const candidate of cache.get(soname) ?? []) {
        const host = await readElfDynamic(candidate).catch(() => undefined);
        if (host !== undefined && host.machine === dynamic.machine && host.is64 === dynamic.is64) {
          hostLibraries.add(candidate);
          break;
        }
      }
    }
  }
  for (const path of hostLibraries) await copyFile(await realpath(path), join(lib, basename(path)));
  await copyLibraries([...hostLibraries], lib);
}

/** Every native extension (.so) under `dir`. */
export async function nativeExtensions(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && /\.so(\.\d+)*$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name));
}
