export { runCli, buildProgram } from './program.js';
export { ExitCode, processIO } from './io.js';
export type { CliIO, ExitCodeValue } from './io.js';
