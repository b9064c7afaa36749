import type { MCPError } from '@mcpman/protocol';
import { ConfigError } from '@mcpman/core';
import { MCPErrorCode, toMCPError } from '@mcpman/protocol';
import { ExitCode } from './io.js';
import type { CliIO, ExitCodeValue } from './io.js';

/** Invalid config and bad usage exit 2; everything else that fails exits 1. */
export function exitCodeFor(error: MCPError): ExitCodeValue {
  if (error instanceof ConfigError) return ExitCode.Usage;
  if (error.code === MCPErrorCode.ConfigInvalid || error.code === MCPErrorCode.ConfigParse)
    return ExitCode.Usage;
  return ExitCode.Failure;
}

/** Print a failure the way every command does, and say which exit status it maps to. */
export function reportError(error: unknown, io: CliIO, json: boolean): ExitCodeValue {
  const mcpError = toMCPError(error);
  if (json) io.stdout(`${JSON.stringify({ ok: false, error: mcpError.toJSON() }, null, 2)}\n`);
  else io.stderr(`mcpman: ${mcpError.toDisplayString()}\n`);
  return exitCodeFor(mcpError);
}
