import { createHash } from 'node:crypto';
import {
  matchesRecord,
  newToken,
  parseToken,
  parseTokenRecord,
  toTokenInfo,
  tokenNameTaken,
} from '@mcpman/core';
import type { CreateTokenOptions, TokenInfo, TokenRecord, TokenStore } from '@mcpman/core';
import type { RedisState } from './redis-state.js';

/** How long a token verified before an outage is still accepted during it. */
const OUTAGE_GRACE_MS = 10 * 60_000;
const MAX_REMEMBERED = 10_000;

/**
 * API tokens in the cluster's Redis: every replica verifies against the same records, so a token
 * made on one is accepted by all and one revoked on any is refused by all at the next request
 * (nothing is cached). Layout: hash `<prefix>tokens` (id → record JSON, only a salted hash of
 * the secret) and hash `<prefix>token-names` (name → id, which keeps names unique).
 */
export class RedisTokenStore implements TokenStore {
  /**
   * Tokens verified lately (by a hash of the whole token), used only while Redis does not answer:
   * a client already in does not lose access to an outage, and nothing can be revoked then
   * anyway. A token never seen is refused with STATE_UNAVAILABLE.
   */
  private readonly lastVerified = new Map<string, { info: TokenInfo; at: number }>();

  constructor(private readonly state: RedisState) {}

  private get tokens(): string {
    return this.state.key('tokens');
  }

  private get names(): string {
    return this.state.key('token-names');
  }

  async list(): Promise<TokenInfo[]> {
    const values = await this.state.run('listing tokens', (redis) => redis.hvals(this.tokens));
    return values
      .map((value) => this.parse(value))
      .filter((record): record is TokenRecord => record !== undefined)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
      .map(toTokenInfo);
  }

  async create(options: CreateTokenOptions): Promise<{ token: string; info: TokenInfo }> {
    const { token, record } = newToken(options, () => false);
    const claimed = await this.state.run('creating a token', (redis) =>
      redis.hsetnx(this.names, record.name, record.id),
    );
    if (claimed === 0) throw tokenNameTaken(record.name);
    await this.state.run('creating a token', (redis) =>
      redis.hset(this.tokens, record.id, JSON.stringify(record)),
    );
    return { token, info: toTokenInfo(record) };
  }

  async revoke(nameOrId: string): Promise<boolean> {
    return this.state.run('revoking a token', async (redis) => {
      const id = (await redis.hget(this.names, nameOrId)) ?? nameOrId;
      const record = this.parse(await redis.hget(this.tokens, id));
      if (record === undefined) return false;
      await redis.multi().hdel(this.tokens, id).hdel(this.names, record.name).exec();
      return true;
    });
  }

  async verify(token: string): Promise<TokenInfo | undefined> {
    const parsed = parseToken(token);
    if (parsed === undefined) return undefined;
    const seen = createHash('sha256').update(token).digest('hex');
    let value: string | null;
    try {
      value = await this.state.run('checking an API token', (redis) => redis.hget(this.tokens, parsed.id));
    } catch (error) {
      const known = this.lastVerified.get(seen);
      if (known !== undefined && Date.now() - known.at < OUTAGE_GRACE_MS) return known.info;
      throw error;
    }
    const record = this.parse(value);
    if (record === undefined || !matchesRecord(record, parsed.secret)) {
      this.lastVerified.delete(seen);
      return undefined;
    }
    const info = toTokenInfo(record);
    this.remember(seen, info);
    return info;
  }

  private remember(seen: string, info: TokenInfo): void {
    this.lastVerified.delete(seen);
    this.lastVerified.set(seen, { info, at: Date.now() });
    // A Map keeps insertion order: the oldest go first past the cap.
    for (const key of this.lastVerified.keys()) {
      if (this.lastVerified.size <= MAX_REMEMBERED) break;
      this.lastVerified.delete(key);
    }
  }

  private parse(value: string | null): TokenRecord | undefined {
    if (value === null) return undefined;
    try {
      return parseTokenRecord(JSON.parse(value));
    } catch {
      return undefined;
    }
  }
}
