import { ConfigError, loadConfigFile, resolveConfigPath } from '@mcpman/core';
import type { ConfigIssue } from '@mcpman/core';
import { ExitCode } from '../io.js';
import type { CliIO, ExitCodeValue } from '../io.js';
import { reportError } from '../errors.js';

export interface ValidateOptions {
  readonly file?: string;
  readonly json?: boolean;
}

function issueJson(issue: ConfigIssue): Record<string, unknown> {
  return {
    path: issue.path,
    message: issue.message,
    ...(issue.value === undefined ? {} : { value: issue.value }),
    ...(issue.line === undefined ? {} : { line: issue.line, column: issue.column }),
  };
}

/** `mcpman validate`: 0 when the file is valid, 2 with every problem listed when it is not. */
export async function validateCommand(options: ValidateOptions, io: CliIO): Promise<ExitCodeValue> {
  const file = resolveConfigPath(options.file, io.cwd);
  try {
    const loaded = await loadConfigFile(file);
    const servers = Object.keys(loaded.config.servers);
    if (options.json === true) {
      io.stdout(`${JSON.stringify({ ok: true, valid: true, file, servers }, null, 2)}\n`);
    } else {
      io.stdout(
        `${file} is valid (${servers.length} server${servers.length === 1 ? '' : 's'}: ${servers.join(', ') || 'none'})\n`,
      );
    }
    return ExitCode.Ok;
  } catch (error) {
    if (error instanceof ConfigError && options.json === true) {
      io.stdout(
        `${JSON.stringify(
          { ok: false, valid: false, file, code: error.code, issues: error.issues.map(issueJson) },
          null,
          2,
        )}\n`,
      );
      return ExitCode.Usage;
    }
    return reportError(error, io, options.json === true);
  }
}
