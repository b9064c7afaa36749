import type { JsonObject } from '@mcpman/protocol';

/** Which cached lists a server's `notifications/<kind>/list_changed` makes stale. */
const LISTS_OF: Readonly<Record<'tools' | 'prompts' | 'resources', readonly string[]>> = {
  tools: ['tools/list'],
  prompts: ['prompts/list'],
  resources: ['resources/list', 'resources/templates/list'],
};

/**
 * One server's lists as it last gave them, whole (every page): kept until the server says they
 * changed, its session ends, or the `ttlMs` it gave runs out. A `ttlMs` of 0 means no caching.
 */
export class ListCache {
  private readonly lists = new Map<
    string,
    { readonly items: readonly JsonObject[]; readonly expires: number }
  >();

  get(method: string, now = Date.now()): readonly JsonObject[] | undefined {
    const cached = this.lists.get(method);
    return cached !== undefined && cached.expires > now ? cached.items : undefined;
  }

  /** Keep `items`; `ttlMs` as the server gave it (undefined: until changed). */
  set(method: string, items: readonly JsonObject[], ttlMs: number | undefined, now = Date.now()): void {
    if (ttlMs === 0) return;
    this.lists.set(method, { items, expires: ttlMs === undefined ? Number.POSITIVE_INFINITY : now + ttlMs });
  }

  /** The server changed one kind of list. */
  changed(kind: 'tools' | 'prompts' | 'resources'): void {
    for (const method of LISTS_OF[kind]) this.lists.delete(method);
  }

  clear(): void {
    this.lists.clear();
  }
}
