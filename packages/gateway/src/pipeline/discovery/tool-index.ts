import MiniSearch from 'minisearch';
import type { JsonObject } from '@mcpman/protocol';
import { prefixName, splitName } from '../names.js';

/** One tool as the index keeps it: where it lives, and its definition as the server gave it. */
export interface IndexedTool {
  readonly server: string;
  readonly name: string;
  readonly tool: JsonObject;
}

interface ToolDocument {
  /** The merged name, `<server>__<tool>`. */
  readonly id: string;
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly params: string;
}

/** `search_issues` and `searchIssues` both read as the words "search issues". */
function words(text: string): string {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_\-./]+/g, ' ')
    .toLowerCase();
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** Parameter names and their descriptions, one level deep: what a task says it wants to pass. */
function parameters(tool: JsonObject): string {
  const schema = tool['inputSchema'];
  const properties =
    typeof schema === 'object' && schema !== null
      ? (schema as { properties?: unknown }).properties
      : undefined;
  if (typeof properties !== 'object' || properties === null) return '';
  return Object.entries(properties as Record<string, unknown>)
    .map(([name, property]) => {
      const described =
        typeof property === 'object' && property !== null
          ? text((property as { description?: unknown }).description)
          : '';
      return `${words(name)} ${described}`;
    })
    .join(' ');
}

function documentOf(server: string, tool: JsonObject): ToolDocument {
  const name = text(tool['name']);
  const annotations = tool['annotations'];
  const title =
    text(tool['title']) ||
    (typeof annotations === 'object' && annotations !== null
      ? text((annotations as { title?: unknown }).title)
      : '');
  return {
    id: prefixName(server, name),
    // The server's name counts too: "github" in a task finds github's tools.
    name: `${words(name)} ${words(server)}`,
    title,
    description: text(tool['description']),
    params: parameters(tool),
  };
}

/**
 * Keyword search over the tools behind the gateway (BM25+, by MiniSearch): names, titles,
 * descriptions and parameter names and descriptions, with prefix and a little fuzzy matching.
 * Kept current per server: a server's tools are re-indexed only when the list it gave changes
 * (the hub hands back the same cached array until the server says its list changed).
 */
export class ToolIndex {
  private readonly search = new MiniSearch<ToolDocument>({
    fields: ['name', 'title', 'description', 'params'],
    searchOptions: { boost: { name: 3, title: 2, description: 1, params: 0.5 }, prefix: true, fuzzy: 0.15 },
  });
  /** Per server: the list indexed last (by identity), and its tools by merged name. */
  private readonly servers = new Map<
    string,
    { list: readonly JsonObject[]; tools: Map<string, IndexedTool> }
  >();

  /** Index `tools` as `server`'s whole list, unless it is the list indexed already. */
  update(server: string, tools: readonly JsonObject[]): void {
    const current = this.servers.get(server);
    if (current?.list === tools) return;
    this.remove(server);
    const byName = new Map<string, IndexedTool>();
    for (const tool of tools) {
      const name = text(tool['name']);
      if (name === '') continue;
      const document = documentOf(server, tool);
      // A server that lists a name twice is indexed once.
      if (byName.has(document.id)) continue;
      byName.set(document.id, { server, name, tool });
      this.search.add(document);
    }
    this.servers.set(server, { list: tools, tools: byName });
  }

  /** Forget a server's tools (it stopped, or left the config). */
  remove(server: string): void {
    const current = this.servers.get(server);
    if (current === undefined) return;
    for (const id of current.tools.keys()) this.search.discard(id);
    this.servers.delete(server);
  }

  /** A tool by its merged name. */
  get(id: string): IndexedTool | undefined {
    const split = splitName(id);
    return split === undefined ? undefined : this.servers.get(split.server)?.tools.get(id);
  }

  /** The best matches for `query` among the tools `visible` lets through, best first. */
  find(query: string, limit: number, visible: (tool: IndexedTool) => boolean): IndexedTool[] {
    const found: IndexedTool[] = [];
    for (const result of this.search.search(words(query), { combineWith: 'OR' })) {
      const tool = this.get(String(result.id));
      if (tool === undefined || !visible(tool)) continue;
      found.push(tool);
      if (found.length >= limit) break;
    }
    return found;
  }

  get size(): number {
    return this.search.documentCount;
  }
}
