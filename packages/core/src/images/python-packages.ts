import { execFile } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as z from 'zod';
import { MCPError, MCPErrorCode } from '@mcpman/protocol';

const run = promisify(execFile);

/**
 * pypi:// servers are installed with this machine's Python and pip, as npx:// ones are with its
 * npm: pip's own configuration (index-url, extra-index-url, PIP_INDEX_URL, proxies, certificates)
 * applies, and wheels with native code match the Python that the base image is made from.
 */
export interface HostPython {
  /** The interpreter's real path. */
  readonly executable: string;
  /** e.g. 3.11.7 */
  readonly version: string;
  /** e.g. cpython-311: the tag of the .pyc files that interpreter reads. */
  readonly cacheTag: string;
  /** The standard library folder (lib-dynload inside it on every CPython layout we copy). */
  readonly stdlib: string;
  readonly platstdlib: string;
}

const HostPythonSchema = z.object({
  executable: z.string(),
  version: z.string(),
  cacheTag: z.string(),
  stdlib: z.string(),
  platstdlib: z.string(),
  pip: z.boolean(),
});

const DESCRIBE = `
import json, os, sys, sysconfig, importlib.util
paths = sysconfig.get_paths()
print(json.dumps({
  "executable": os.path.realpath(sys.executable),
  "version": ".".join(map(str, sys.version_info[:3])),
  "cacheTag": sys.implementation.cache_tag,
  "stdlib": paths["stdlib"],
  "platstdlib": paths["platstdlib"],
  "pip": importlib.util.find_spec("pip") is not None,
}))
`;

/** The Python that installs packages: `$MCPMAN_PYTHON`, else `python3` on the PATH. */
export async function hostPython(env: NodeJS.ProcessEnv = process.env): Promise<HostPython> {
  const command = env['MCPMAN_PYTHON'] ?? 'python3';
  let described: z.infer<typeof HostPythonSchema>;
  try {
    const { stdout } = await run(command, ['-c', DESCRIBE], { env, timeout: 30_000 });
    described = HostPythonSchema.parse(JSON.parse(stdout));
  } catch (error) {
    throw new MCPError(
      MCPErrorCode.PackageInstallFailed,
      `pypi:// servers need Python 3 on this machine, and ${command} did not answer`,
      {
        cause: error,
        hint: 'Install python3 with pip, or set MCPMAN_PYTHON to an interpreter that has pip.',
      },
    );
  }
  if (!described.pip)
    throw new MCPError(MCPErrorCode.PackageInstallFailed, `${described.executable} has no pip`, {
      hint: 'Install pip for it (python3 -m ensurepip), or set MCPMAN_PYTHON to one that has pip.',
    });
  return described;
}

/** What `pip install --report` says it installed (or would): each distribution and version. */
const PipReport = z.object({
  install: z.array(
    z.object({
      metadata: z.object({ name: z.string(), version: z.string() }),
      requested: z.boolean().optional(),
    }),
  ),
});

export interface PypiResolution {
  /** The requested package's exact version. */
  readonly version: string;
  /** Every distribution the install brings, `name==version`, sorted: part of the image's tag. */
  readonly closure: readonly string[];
}

export interface PipOptions {
  readonly python: HostPython;
  /** An index's simple API URL instead of pip's configured ones. */
  readonly index?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Fail fast on an index that does not answer (a check, not an install). */
  readonly quick?: boolean;
}

function requirement(pkg: string, version: string): string {
  return version === 'latest' ? pkg : `${pkg}==${version}`;
}

/** `python -m pip install` with the general options before the command and the index after it. */
function pipInstallArgs(options: PipOptions): string[] {
  return [
    '-m',
    'pip',
    '--disable-pip-version-check',
    '--no-input',
    ...(options.quick === true ? ['--retries', '1', '--timeout', '15'] : []),
    'install',
    // Wheels only: building a source distribution would run its setup code on this machine,
    // outside any container (npm's --ignore-scripts is the same choice for npx:// servers).
    '--only-binary=:all:',
    ...(options.index === undefined ? [] : ['--index-url', options.index]),
  ];
}

function pipFailure(what: string, error: unknown, options: PipOptions): MCPError {
  const stderr = (error as { stderr?: unknown }).stderr;
  const lines =
    typeof stderr === 'string'
      ? stderr
          .split('\n')
          .map((line) => line.trim())
          .filter((line) => line !== '' && !line.startsWith('WARNING: Running pip as'))
      : [];
  const detail = lines.slice(-3).join(' ') || (error instanceof Error ? error.message : String(error));
  const where =
    options.index === undefined ? "pip's configured package indexes" : `the package index ${options.index}`;
  return new MCPError(MCPErrorCode.PackageInstallFailed, `${what} from ${where} failed: ${detail}`, {
    cause: error,
    hint: 'Check the package name and version, and that a package index that has it is reachable from this machine (pip config, PIP_INDEX_URL).',
  });
}

/**
 * Which exact version `pkg@version` is and what it brings, without installing anything (pip's
 * dry run with a report): this is also how `add` learns that an index can serve the package.
 */
export async function resolvePypi(
  pkg: string,
  version: string,
  options: PipOptions,
): Promise<PypiResolution> {
  let stdout: string;
  try {
    ({ stdout } = await run(
      options.python.executable,
      [
        ...pipInstallArgs(options),
        '--dry-run',
        '--ignore-installed',
        '--quiet',
        '--report',
        '-',
        requirement(pkg, version),
      ],
      { env: options.env ?? process.env, maxBuffer: 32 * 1024 * 1024, timeout: 600_000 },
    ));
  } catch (error) {
    throw pipFailure(`resolving ${requirement(pkg, version)}`, error, options);
  }
  const report = PipReport.parse(JSON.parse(stdout));
  const wanted = normalise(pkg);
  const own = report.install.find((item) => normalise(item.metadata.name) === wanted);
  if (own === undefined)
    throw new MCPError(MCPErrorCode.PackageInstallFailed, `pip's report does not list ${pkg}`);
  return {
    version: own.metadata.version,
    closure: report.install
      .map((item) => `${normalise(item.metadata.name)}==${item.metadata.version}`)
      .sort(),
  };
}

/** Install `pkg==version` with its dependencies into `target` (a plain folder, no venv). */
export async function installPypi(
  pkg: string,
  version: string,
  target: string,
  options: PipOptions,
): Promise<void> {
  try {
    await run(
      options.python.executable,
      [
        ...pipInstallArgs(options),
        '--ignore-installed',
        '--no-warn-script-location',
        '--quiet',
        '--target',
        target,
        `${pkg}==${version}`,
      ],
      { env: options.env ?? process.env, maxBuffer: 32 * 1024 * 1024, timeout: 1_200_000 },
    );
  } catch (error) {
    throw pipFailure(`installing ${pkg}==${version}`, error, options);
  }
}

/**
 * The console scripts a distribution declares, read from `<site>/*.dist-info` as files. Nothing
 * of the package is imported or run on this machine (a wheel's `sitecustomize.py`, or a module
 * shadowing the standard library, would run with any Python pointed at the folder).
 */
export async function consoleScripts(sitePackages: string, pkg: string): Promise<string[]> {
  const wanted = normalise(pkg);
  for (const entry of await readdir(sitePackages, { withFileTypes: true })) {
    if (!entry.isDirectory() || !entry.name.endsWith('.dist-info')) continue;
    const dir = join(sitePackages, entry.name);
    const metadata = await readFile(join(dir, 'METADATA'), 'utf8').catch(() => '');
    const name = /^Name:\s*(.+?)\s*$/m.exec(metadata)?.[1];
    if (name === undefined || normalise(name) !== wanted) continue;
    const text = await readFile(join(dir, 'entry_points.txt'), 'utf8').catch(() => '');
    return parseConsoleScripts(text);
  }
  throw new MCPError(MCPErrorCode.PackageInstallFailed, `pip installed no distribution named ${pkg}`);
}

/** The names in the `[console_scripts]` section of an entry_points.txt (an INI file). */
export function parseConsoleScripts(text: string): string[] {
  const names: string[] = [];
  let inSection = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section !== null) {
      inSection = section[1]?.trim() === 'console_scripts';
      continue;
    }
    const name = /^([^=\s][^=]*?)\s*=/.exec(line)?.[1];
    if (inSection && name !== undefined) names.push(name);
  }
  return names.sort();
}

/** The console script to run: the one asked for, the only one, or the one named after the package. */
export async function chooseConsoleScript(
  sitePackages: string,
  pkg: string,
  wanted: string | undefined,
): Promise<string> {
  const scripts = await consoleScripts(sitePackages, pkg);
  const pick =
    wanted ??
    (scripts.length === 1 ? scripts[0] : scripts.find((name) => normalise(name) === normalise(pkg)));
  if (pick === undefined || !scripts.includes(pick))
    throw new MCPError(
      MCPErrorCode.PackageInstallFailed,
      scripts.length === 0
        ? `${pkg} has no console script to run`
        : `${pkg} has console scripts ${scripts.join(', ')}; choose one with source: {pypi: …, bin: NAME}`,
    );
  return pick;
}

/** PEP 503 name normalisation: runs of -, _ and . are one -, lowercase. */
export function normalise(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}
