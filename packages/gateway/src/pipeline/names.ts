/**
 * How the aggregate endpoint (`/mcp`) names what it merges from several servers: tools and
 * prompts as `<server>__<name>`, resources and resource templates as `mcpman://<server>/<uri>`.
 * Server names cannot contain `__` or `/` (see the config schema), so both parse back uniquely.
 */

export const NAME_SEPARATOR = '__';
export const RESOURCE_PREFIX = 'mcpman://';

export function prefixName(server: string, name: string): string {
  return `${server}${NAME_SEPARATOR}${name}`;
}

/** `everything__echo` → {server: everything, name: echo}; undefined when not prefixed. */
export function splitName(prefixed: string): { server: string; name: string } | undefined {
  const at = prefixed.indexOf(NAME_SEPARATOR);
  if (at <= 0) return undefined;
  return { server: prefixed.slice(0, at), name: prefixed.slice(at + NAME_SEPARATOR.length) };
}

export function prefixUri(server: string, uri: string): string {
  return `${RESOURCE_PREFIX}${server}/${uri}`;
}

/** `mcpman://everything/demo://x` → {server: everything, uri: demo://x}. */
export function splitUri(prefixed: string): { server: string; uri: string } | undefined {
  if (!prefixed.startsWith(RESOURCE_PREFIX)) return undefined;
  const rest = prefixed.slice(RESOURCE_PREFIX.length);
  const slash = rest.indexOf('/');
  if (slash <= 0) return undefined;
  return { server: rest.slice(0, slash), uri: rest.slice(slash + 1) };
}

const compiled = new Map<string, RegExp>();

/** Glob match for tool filters: `*` any run of characters, `?` one character. */
export function globMatch(pattern: string, text: string): boolean {
  let regexp = compiled.get(pattern);
  if (regexp === undefined) {
    const source = pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.');
    regexp = new RegExp(`^${source}$`);
    // Patterns come from the config: a handful, compiled once.
    if (compiled.size < 10_000) compiled.set(pattern, regexp);
  }
  return regexp.test(text);
}

export interface ToolFilter {
  readonly allow: readonly string[];
  readonly deny: readonly string[];
}

/** A tool is exposed when some allow pattern matches it and no deny pattern does. */
export function toolAllowed(filter: ToolFilter, tool: string): boolean {
  if (filter.deny.length === 0 && filter.allow.length === 1 && filter.allow[0] === '*') return true;
  return filter.allow.some((p) => globMatch(p, tool)) && !filter.deny.some((p) => globMatch(p, tool));
}
