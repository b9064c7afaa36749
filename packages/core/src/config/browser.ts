// The parts of the config module with no Node.js dependency, for the dashboard: its server form
// validates with the very schema `mcpman validate` uses.
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
