// The parts of the config module with no Node.js dependency, for the dashboard: its server form
// validates with the very schema `mcpman validate` uses.
import * as z from 'zod';
import { issuesFromZod } from './issues.js';
import type { ConfigIssue, PathSegment } from './issues.js';
import { SERVER_NAME_HELP, SERVER_NAME_PATTERN, ServerConfigSchema } from './schema.js';

export { SERVER_NAME_HELP, SERVER_NAME_PATTERN, SECRET_NAME_PATTERN, ServerConfigSchema } from './schema.js';
export type { MCPServerConfigInput } from './schema.js';
export type { ConfigIssue, PathSegment };

/** Problems with one server entry, with paths relative to `servers.<name>`. */
export function serverConfigIssues(name: string, value: unknown): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (!SERVER_NAME_PATTERN.test(name)) {
    issues.push({ path: 'name', segments: ['name'], at: 'key', message: SERVER_NAME_HELP });
  }
  const parsed = ServerConfigSchema.safeParse(value);
  if (!parsed.success) issues.push(...issuesFromZod(ServerConfigSchema, parsed.error.issues));
  return issues;
}

type JsonNode = Readonly<Record<string, unknown>>;

function nodeOf(value: unknown): JsonNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonNode) : {};
}

/**
 * Each field's description from the server schema, by dotted path (`resourceLimits.memory`):
 * the help text forms show is the one editors get from the JSON Schema.
 */
export function serverFieldHelp(): Record<string, string> {
  const help: Record<string, string> = {};
  const walk = (node: JsonNode, path: string): void => {
    const description = node['description'];
    if (path !== '' && typeof description === 'string' && help[path] === undefined) help[path] = description;
    for (const [key, child] of Object.entries(nodeOf(node['properties'])))
      walk(nodeOf(child), path === '' ? key : `${path}.${key}`);
    for (const key of ['anyOf', 'oneOf']) {
      const branches: unknown = node[key];
      if (Array.isArray(branches)) for (const branch of branches as unknown[]) walk(nodeOf(branch), path);
    }
  };
  walk(nodeOf(z.toJSONSchema(ServerConfigSchema, { io: 'input', unrepresentable: 'any' })), '');
  return help;
}
