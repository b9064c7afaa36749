import { StdioHttpBridge } from '../bridge/stdio-http-bridge.js';
import { ExitCode } from '../io.js';
import type { CliIO, ExitCodeValue } from '../io.js';
import { reportError } from '../errors.js';
import { parseDuration } from '@mcpman/core';
import { MCPError, MCPErrorCode } from '@mcpman/protocol';

export interface StdioBridgeCommandOptions {
  readonly host: string;
  readonly port: string;
  readonly path: string;
  readonly maxSessions: string;
  readonly idleTimeout: string;
}

function intOption(flag: string, value: string, min: number, max: number): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < min || number > max)
    throw new MCPError(MCPErrorCode.ConfigInvalid, `${flag} ${value}: expected a whole number ${min}-${max}`);
  return number;
}

function durationOption(flag: string, value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined || ms < 1000)
    throw new MCPError(
      MCPErrorCode.ConfigInvalid,
      `${flag} ${value}: expected a duration of at least 1s, e.g. 30m`,
    );
  return ms;
}

/**
 * `mcpman stdio-bridge [--port N] -- <command…>`: a stdio MCP server served over Streamable
 * HTTP. In a Kubernetes export it is the stdio server's container entrypoint; it stays in the
 * foreground until SIGTERM (what a pod's stop sends) or Ctrl-C.
 */
export async function stdioBridgeCommand(
  command: readonly string[],
  options: StdioBridgeCommandOptions,
  io: CliIO,
): Promise<ExitCodeValue> {
  let bridge: StdioHttpBridge;
  let port: number;
  try {
    bridge = new StdioHttpBridge({
      command,
      host: options.host,
      port: intOption('--port', options.port, 0, 65535),
      path: options.path,
      maxSessions: intOption('--max-sessions', options.maxSessions, 1, 1000),
      idleTimeoutMs: durationOption('--idle-timeout', options.idleTimeout),
      env: io.env,
      log: (line) => {
        io.stderr(`stdio-bridge: ${line}\n`);
      },
    });
    port = await bridge.listen();
  } catch (error) {
    return reportError(
      error instanceof MCPError ? error : new MCPError(MCPErrorCode.ConfigInvalid, (error as Error).message),
      io,
      false,
    );
  }
  io.stderr(`stdio-bridge: ${command.join(' ')} on http://${options.host}:${port}${options.path}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await bridge.close();
  return ExitCode.Ok;
}
