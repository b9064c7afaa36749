import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Grant, TokenInfo } from '@mcpman/shared/contract';
import { z } from 'zod';
import { defaultStateDir, MCPError, MCPErrorCode, writeFileAtomic } from '@mcpman/protocol';

export type { Grant, TokenInfo };

const TokenRecordSchema = z.strictObject({
  id: z.string().regex(/^[0-9a-f]{16}$/),
  name: z.string().min(1),
  salt: z.string().min(1),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  servers: z.array(z.string()).optional(),
  tools: z.array(z.string()).optional(),
  profiles: z.array(z.string()).optional(),
  admin: z.boolean(),
  createdAt: z.string(),
});

const TokenFileSchema = z.strictObject({
  version: z.literal(1),
  tokens: z.array(TokenRecordSchema),
});

/** One stored token: everything but the token itself, which is shown once and never kept. */
export type TokenRecord = z.infer<typeof TokenRecordSchema>;

export interface CreateTokenOptions extends Partial<Grant> {
  readonly name: string;
}

const TOKEN_PREFIX = 'mcpman_';
const TOKEN_PATTERN = /^mcpman_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** `<state>/tokens.json`, or $MCPMAN_TOKENS_FILE (several gateways may share one file). */
export function defaultTokensFile(env: NodeJS.ProcessEnv = process.env): string {
  return env['MCPMAN_TOKENS_FILE'] ?? join(defaultStateDir(env), 'tokens.json');
}

function digest(salt: string, secret: string): string {
  return createHash('sha256').update(salt).update(secret).digest('hex');
}

export function toTokenInfo(record: TokenRecord): TokenInfo {
  return {
    id: record.id,
    name: record.name,
    createdAt: record.createdAt,
    admin: record.admin,
    ...(record.servers === undefined ? {} : { servers: record.servers }),
    ...(record.tools === undefined ? {} : { tools: record.tools }),
    ...(record.profiles === undefined ? {} : { profiles: record.profiles }),
  };
}

/** Where API tokens live: a file (one machine, or a shared volume), or Redis for a gateway cluster. */
export interface TokenStore {
  list(): Promise<TokenInfo[]>;
  /** Make a token; the returned `token` is the only time the secret exists outside the caller. */
  create(options: CreateTokenOptions): Promise<{ token: string; info: TokenInfo }>;
  /** Remove a token by name or id; false when there was none. */
  revoke(nameOrId: string): Promise<boolean>;
  /** The token's record when `token` is a live token, else undefined. */
  verify(token: string): Promise<TokenInfo | undefined>;
}

/**
 * A new token named `options.name`, refused when the name is invalid or `taken` says it is in
 * use. Only a salted hash of its secret half is in the record.
 */
export function newToken(
  options: CreateTokenOptions,
  taken: (name: string) => boolean,
): { token: string; record: TokenRecord } {
  if (!NAME_PATTERN.test(options.name)) {
    throw new MCPError(MCPErrorCode.ConfigInvalid, `"${options.name}" is not a valid token name`, {
      hint: 'Use letters, digits, ".", "_" or "-" (at most 64), starting with a letter or digit.',
    });
  }
  if (taken(options.name)) throw tokenNameTaken(options.name);
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const salt = randomBytes(16).toString('base64url');
  const record: TokenRecord = {
    id,
    name: options.name,
    salt,
    hash: digest(salt, secret),
    admin: options.admin ?? false,
    createdAt: new Date().toISOString(),
    ...(options.servers === undefined ? {} : { servers: [...options.servers] }),
    ...(options.tools === undefined ? {} : { tools: [...options.tools] }),
    ...(options.profiles === undefined ? {} : { profiles: [...options.profiles] }),
  };
  return { token: `${TOKEN_PREFIX}${id}_${secret}`, record };
}

export function tokenNameTaken(name: string): MCPError {
  return new MCPError(MCPErrorCode.ConfigInvalid, `a token named "${name}" already exists`, {
    hint: `Revoke it first with \`mcpman token revoke ${name}\`, or choose another name.`,
  });
}

/** The id and secret half of a well-formed token, else undefined. */
export function parseToken(token: string): { id: string; secret: string } | undefined {
  const match = TOKEN_PATTERN.exec(token);
  if (match === null) return undefined;
  const [, id = '', secret = ''] = match;
  return { id, secret };
}

/** Whether `secret` is the one `record` was made for. Constant-time compare. */
export function matchesRecord(record: TokenRecord, secret: string): boolean {
  return timingSafeEqual(Buffer.from(record.hash, 'hex'), Buffer.from(digest(record.salt, secret), 'hex'));
}

/** A stored record, checked (a record from Redis or a file is input like any other). */
export function parseTokenRecord(value: unknown): TokenRecord | undefined {
  const parsed = TokenRecordSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/**
 * API tokens at rest: a salted SHA-256 of each token's secret half, in a 0600 JSON file written
 * atomically. Tokens are 256-bit random, so a fast hash is enough (no password stretching
 * needed) and keeps verification cheap on every request. The file is re-read when it changes,
 * so a `mcpman token revoke` reaches a running gateway at its next request.
 */
export class FileTokenStore implements TokenStore {
  private cache: { mtimeMs: number; size: number; records: TokenRecord[] } | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly path: string = defaultTokensFile()) {}

  async list(): Promise<TokenInfo[]> {
    return (await this.records()).map(toTokenInfo);
  }

  create(options: CreateTokenOptions): Promise<{ token: string; info: TokenInfo }> {
    return this.edit((records) => {
      const { token, record } = newToken(options, (name) => records.some((r) => r.name === name));
      return { records: [...records, record], value: { token, info: toTokenInfo(record) } };
    });
  }

  /** Remove a token by name or id; false when there was none. */
  revoke(nameOrId: string): Promise<boolean> {
    return this.edit((records) => {
      const kept = records.filter((r) => r.name !== nameOrId && r.id !== nameOrId);
      return { records: kept, value: kept.length !== records.length };
    });
  }

  async verify(token: string): Promise<TokenInfo | undefined> {
    const parsed = parseToken(token);
    if (parsed === undefined) return undefined;
    const record = (await this.records()).find((r) => r.id === parsed.id);
    return record !== undefined && matchesRecord(record, parsed.secret) ? toTokenInfo(record) : undefined;
  }

  /** Stored records, re-read when the file's mtime or size moved. */
  private async records(): Promise<TokenRecord[]> {
    let info;
    try {
      info = await stat(this.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    if (this.cache?.mtimeMs === info.mtimeMs && this.cache.size === info.size) return this.cache.records;
    const text = await readFile(this.path, 'utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new MCPError(MCPErrorCode.ConfigInvalid, `${this.path} is not valid JSON`, { cause: error });
    }
    const result = TokenFileSchema.safeParse(parsed);
    if (!result.success) {
      throw new MCPError(
        MCPErrorCode.ConfigInvalid,
        `${this.path} is not a token file: ${result.error.message}`,
        {
          hint: 'Restore it from a backup, or remove it and create the tokens again.',
        },
      );
    }
    this.cache = { mtimeMs: info.mtimeMs, size: info.size, records: result.data.tokens };
    return result.data.tokens;
  }

  private edit<T>(change: (records: TokenRecord[]) => { records: TokenRecord[]; value: T }): Promise<T> {
    const next = this.queue.then(async () => {
      const { records, value } = change(await this.records());
      await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
      await writeFileAtomic(this.path, `${JSON.stringify({ version: 1, tokens: records }, null, 2)}\n`, {
        mode: 0o600,
      });
      this.cache = undefined;
      return value;
    });
    this.queue = next.catch(() => undefined);
    return next;
  }
}
