import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MCPError, MCPErrorCode } from '@mcpman/protocol';
import { ExitCode } from '../io.js';
import type { CliIO, ExitCodeValue } from '../io.js';
import { reportError } from '../errors.js';

/** The source checkout this CLI runs from (the benchmark ships with the repository). */
const REPO = fileURLToPath(new URL('../../../../', import.meta.url));

export interface BenchOptions {
  readonly quick?: boolean;
  readonly soak?: boolean;
  readonly minutes?: string;
  readonly scale?: boolean;
  readonly only?: string;
}

/** `mcpman bench`: the same as `npm run bench` in the repository. */
export async function benchCommand(options: BenchOptions, io: CliIO): Promise<ExitCodeValue> {
  try {
    const script = `${REPO}bench/run.ts`;
    if (!existsSync(script)) {
      throw new MCPError(MCPErrorCode.NotImplemented, 'the benchmark ships with the source repository', {
        hint: 'Run it from a clone: `npm run bench`.',
      });
    }
    const args = [
      '--import',
      'tsx',
      script,
      ...(options.quick === true ? ['--quick'] : []),
      ...(options.soak === true ? ['--soak', '--minutes', options.minutes ?? '10'] : []),
      ...(options.scale === true ? ['--scale'] : []),
      ...(options.only === undefined ? [] : ['--only', options.only]),
    ];
    const child = spawn(process.execPath, args, {
      cwd: REPO,
      env: io.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (chunk: Buffer) => {
      io.stdout(chunk.toString('utf8'));
    });
    child.stderr.on('data', (chunk: Buffer) => {
      io.stderr(chunk.toString('utf8'));
    });
    const code = await new Promise<number | null>((resolve) => {
      child.once('exit', resolve);
    });
    return code === 0 ? ExitCode.Ok : ExitCode.Failure;
  } catch (error) {
    return reportError(error, io, false);
  }
}
