import { Readable } from 'node:stream';
import { runCli } from '../program.js';
import type { CliIO } from '../io.js';

export interface Captured {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Run `mcpman` in-process with no terminal and empty stdin, capturing what it prints: the unit
 * tests' way to check exit codes and messages without spawning the binary.
 */
export async function captureCli(
  argv: readonly string[],
  where: { readonly cwd: string; readonly env?: Readonly<Record<string, string>> },
): Promise<Captured> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    isTTY: false,
    cwd: where.cwd,
    env: { ...where.env },
    stdin: Readable.from([]),
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}
