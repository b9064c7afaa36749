import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, extname, isAbsolute, resolve } from 'node:path';
import * as YAML from 'yaml';
import { MCPError, MCPErrorCode } from '@mcpman/protocol';
import { McpmanConfigSchema } from './schema.js';
import type { McpmanConfig } from './schema.js';
import { formatIssue, issuesFromZod } from './issues.js';
import type { ConfigIssue, PathSegment } from './issues.js';

export const DEFAULT_CONFIG_NAMES = ['mcpman.yaml', 'mcpman.yml', 'mcpman.json'] as const;

export interface LoadedConfig {
  /** Absolute path of the file, or `<inline>` for text that came from elsewhere. */
  readonly path: string;
  /** Directory relative paths in the config (build contexts, mounts) are resolved against. */
  readonly dir: string;
  readonly config: McpmanConfig;
  /** The parsed document, kept so edits can preserve comments and layout. */
  readonly document: YAML.Document.Parsed;
  readonly text: string;
}

/** Invalid or unreadable config: carries every issue, not just the first. */
export class ConfigError extends MCPError {
  readonly issues: readonly ConfigIssue[];
  readonly file: string | undefined;

  constructor(code: MCPErrorCode, file: string | undefined, issues: readonly ConfigIssue[], hint?: string) {
    const count = issues.length;
    const summary =
      count === 0
        ? `${file ?? 'config'} could not be read`
        : `${file ?? 'config'} has ${count} problem${count === 1 ? '' : 's'}:\n${issues
            .map((issue) => `  ${formatIssue(issue, file)}`)
            .join('\n')}`;
    super(code, summary, { hint: hint ?? 'Fix the fields listed above; see docs/configuration.md.' });
    this.name = 'ConfigError';
    this.issues = issues;
    this.file = file;
  }
}

/** Where in the YAML source a path points: the value, or the key itself for key problems. */
function positionOf(
  document: YAML.Document.Parsed,
  lineCounter: YAML.LineCounter,
  segments: readonly PathSegment[],
  preferKey: boolean,
): { line: number; column: number } | undefined {
  let node: unknown = document.contents;
  // The deepest node that exists on the path: a missing field points at its parent.
  let located: unknown = node;
  for (const [index, segment] of segments.entries()) {
    if (YAML.isMap(node)) {
      const pair = node.items.find(
        (item) => YAML.isScalar(item.key) && String(item.key.value) === String(segment),
      );
      if (pair === undefined) break;
      const isLast = index === segments.length - 1;
      located = preferKey && isLast ? pair.key : (pair.value ?? pair.key);
      node = pair.value;
    } else if (YAML.isSeq(node) && typeof segment === 'number' && node.items[segment] !== undefined) {
      node = node.items[segment];
      located = node;
    } else {
      break;
    }
  }
  const range = YAML.isNode(located) ? located.range : undefined;
  if (range === undefined || range === null) return undefined;
  const pos = lineCounter.linePos(range[0]);
  return { line: pos.line, column: pos.col };
}

export interface ParseOptions {
  /** Shown in messages and used to resolve relative paths. */
  readonly path?: string;
}

/** Parse and validate config text (YAML or JSON). Throws ConfigError listing every problem. */
export function parseConfigText(text: string, options: ParseOptions = {}): LoadedConfig {
  const file = options.path;
  const lineCounter = new YAML.LineCounter();
  const document = YAML.parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    const issues = document.errors.map((error): ConfigIssue => {
      const pos = error.linePos?.[0];
      return {
        path: '(syntax)',
        segments: [],
        at: 'value',
        message: (error.message.split('\n')[0] ?? error.message).replace(/ at line \d+, column \d+:?$/, ''),
        ...(pos === undefined ? {} : { line: pos.line, column: pos.col }),
      };
    });
    throw new ConfigError(
      MCPErrorCode.ConfigParse,
      file,
      issues,
      'Fix the syntax at the line and column shown.',
    );
  }
  const data: unknown = document.toJS({ maxAliasCount: 100 }) ?? {};
  const result = McpmanConfigSchema.safeParse(data, { reportInput: true });
  if (!result.success) {
    const issues = issuesFromZod(McpmanConfigSchema, result.error.issues).map((issue): ConfigIssue => {
      const pos = positionOf(document, lineCounter, issue.segments, issue.at === 'key');
      return pos === undefined ? issue : { ...issue, ...pos };
    });
    throw new ConfigError(MCPErrorCode.ConfigInvalid, file, issues);
  }
  const path = file === undefined ? '<inline>' : resolve(file);
  return {
    path,
    dir: file === undefined ? process.cwd() : dirname(path),
    config: result.data,
    document,
    text,
  };
}

/** Read, parse and validate a config file. */
export async function loadConfigFile(path: string): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new MCPError(
      missing ? MCPErrorCode.ConfigNotFound : MCPErrorCode.ConfigParse,
      missing ? `config file ${path} does not exist` : `config file ${path} could not be read`,
      {
        cause: error,
        hint: missing ? 'Create it, or pass -f with the path of your mcpman.yaml.' : undefined,
      },
    );
  }
  return parseConfigText(text, { path });
}

/**
 * Which config file a command means: `-f` when given, else `$MCPMAN_CONFIG`, else the first of
 * mcpman.yaml / mcpman.yml / mcpman.json in `cwd`, else `cwd/mcpman.yaml` (which may not exist yet).
 */
export function resolveConfigPath(explicit: string | undefined, cwd = process.cwd()): string {
  const chosen = explicit ?? process.env['MCPMAN_CONFIG'];
  if (chosen !== undefined && chosen !== '') return isAbsolute(chosen) ? chosen : resolve(cwd, chosen);
  for (const name of DEFAULT_CONFIG_NAMES) {
    const candidate = resolve(cwd, name);
    if (existsSync(candidate)) return candidate;
  }
  return resolve(cwd, DEFAULT_CONFIG_NAMES[0]);
}

export function isJsonConfigPath(path: string): boolean {
  return extname(path).toLowerCase() === '.json';
}
