/** Where a command writes. Tests pass buffers; the binary passes the process streams. */
export interface CliIO {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** True when stdout is a terminal: colour and progress bars only then. */
  readonly isTTY: boolean;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** Where `secret set` reads a value from; a terminal gets a hidden prompt. */
  readonly stdin: NodeJS.ReadableStream & { readonly isTTY?: boolean };
}

export function processIO(): CliIO {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    isTTY: process.stdout.isTTY,
    cwd: process.cwd(),
    env: process.env,
    stdin: process.stdin,
  };
}

/** Exit statuses (docs/usage.md): 0 ok, 1 failure, 2 bad usage or invalid config. */
export const ExitCode = {
  Ok: 0,
  Failure: 1,
  Usage: 2,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];
