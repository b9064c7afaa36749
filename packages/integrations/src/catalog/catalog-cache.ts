import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '@mcpman/protocol';

const CachedAnswer = z.object({ url: z.string(), fetchedAt: z.number(), body: z.unknown() });

export interface CachedBody {
  readonly body: unknown;
  readonly fetchedAt: number;
}

/**
 * Registry answers kept on disk, one file per URL. Fresh answers (younger than the TTL) save a
 * round trip; older ones are still served when no registry answers, which is what keeps search
 * and add working on a plane.
 */
export class CatalogCache {
  constructor(
    private readonly dir: string,
    readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  private fileFor(url: string): string {
    return join(this.dir, `${createHash('sha256').update(url).digest('hex').slice(0, 32)}.json`);
  }

  /** The answer for `url`, whatever its age; undefined when there is none (or it is unreadable). */
  async read(url: string): Promise<CachedBody | undefined> {
    try {
      const parsed = CachedAnswer.safeParse(JSON.parse(await readFile(this.fileFor(url), 'utf8')));
      return parsed.success && parsed.data.url === url
        ? { body: parsed.data.body, fetchedAt: parsed.data.fetchedAt }
        : undefined;
    } catch {
      return undefined;
    }
  }

  isFresh(cached: CachedBody): boolean {
    return this.now() - cached.fetchedAt < this.ttlMs;
  }

  async write(url: string, body: unknown): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await writeFileAtomic(this.fileFor(url), `${JSON.stringify({ url, fetchedAt: this.now(), body })}\n`);
  }
}
