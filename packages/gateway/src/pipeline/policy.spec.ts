import { describe, expect, it } from 'vitest';
import { GatewayConfigSchema } from '@mcpman/core';
import { MCPError, MCPErrorCode, toDisposable } from '@mcpman/protocol';
import { RateLimits } from '../limits/rate-limits.js';
import type { ManagedServer, ServerDirectory } from './directory.js';
import { CallPolicy } from './policy.js';
import { ClientSession } from './session.js';
import type { Identity } from './session.js';

const server = (name: string): ManagedServer => ({
  name,
  state: 'ready',
  peer: undefined,
  handshake: undefined,
  // alpha exposes everything but `secret`; beta everything.
  tools: name === 'alpha' ? { allow: ['*'], deny: ['secret'] } : { allow: ['*'], deny: [] },
  sessionMode: 'shared',
});

const DIRECTORY: ServerDirectory = {
  names: () => ['alpha', 'beta'],
  get: (name) => (name === 'alpha' || name === 'beta' ? server(name) : undefined),
  onStateChange: () => toDisposable(() => undefined),
};

/** Limits of one request each, so a second call from the same bucket is refused. */
function oneEach(kinds: ('perIdentity' | 'perServer' | 'perTool')[]): RateLimits {
  const rate = { requests: 1, per: '1m' };
  const config = GatewayConfigSchema.parse({
    rateLimit: Object.fromEntries(kinds.map((kind) => [kind, rate])),
  }).rateLimit;
  return new RateLimits(config, { backend: 'memory' });
}

const identity = (grants: Partial<Identity>): Identity => ({
  name: 'caller',
  kind: 'token',
  admin: false,
  ...grants,
});

/** What a refusal says: the code and which step (the message names it; data.limit for limits). */
async function refusalOf(policy: CallPolicy, who: Identity, tool: string, server = 'alpha'): Promise<string> {
  const session = new ClientSession('streamable-http', { kind: 'all' }, who);
  try {
    await policy.check({ session, server, method: 'tools/call', tool });
    return 'allowed';
  } catch (error) {
    if (!(error instanceof MCPError)) throw error;
    const limit = error.data?.['limit'];
    return typeof limit === 'string' ? `${error.code} ${limit}` : `${error.code}: ${error.message}`;
  }
}

describe('CallPolicy refuses in its order: server grant, tool filter, tool grant, tool limit, server limit', () => {
  it('names its steps in that order', () => {
    expect(new CallPolicy({ directory: DIRECTORY }).steps.map((s) => s.name)).toEqual([
      'server grant',
      'tool filter',
      'tool grant',
      'tool rate limit',
      'server rate limit',
    ]);
  });

  // Each row makes every step from its own onwards refuse; the first of them must answer.
  const rows: {
    readonly case: string;
    readonly who: Partial<Identity>;
    readonly tool: string;
    readonly spent: ('perServer' | 'perTool')[];
    readonly answer: string;
  }[] = [
    {
      case: 'server not granted (tool filtered, not granted, both limits spent)',
      who: { servers: ['beta'], tools: ['beta__echo'] },
      tool: 'secret',
      spent: ['perServer', 'perTool'],
      answer: `${MCPErrorCode.AuthForbidden}: not allowed to use server alpha`,
    },
    {
      case: 'tool filtered out by the server (not granted, both limits spent)',
      who: { tools: ['alpha__echo'] },
      tool: 'secret',
      spent: ['perServer', 'perTool'],
      answer: `${MCPErrorCode.ProtocolInvalidParams}: tool alpha__secret is not exposed (filtered out by the server's tools config)`,
    },
    {
      case: 'tool not granted (both limits spent)',
      who: { tools: ['alpha__echo'] },
      tool: 'other',
      spent: ['perServer', 'perTool'],
      answer: `${MCPErrorCode.AuthForbidden}: not allowed to call alpha__other`,
    },
    {
      case: 'tool limit spent (server limit spent too)',
      who: {},
      tool: 'echo',
      spent: ['perServer', 'perTool'],
      answer: `${MCPErrorCode.RateLimited} tool`,
    },
    {
      case: 'server limit spent',
      who: {},
      tool: 'echo',
      spent: ['perServer'],
      answer: `${MCPErrorCode.RateLimited} server`,
    },
    { case: 'nothing in the way', who: {}, tool: 'echo', spent: [], answer: 'allowed' },
  ];

  it.each(rows)('$case', async ({ who, tool, spent, answer }) => {
    const limits = oneEach(spent);
    const policy = new CallPolicy({ directory: DIRECTORY, limits });
    // Spend the buckets as an earlier call to the same server and tool would have.
    if (spent.includes('perTool')) await limits.consume('tool', `alpha__${tool}`);
    if (spent.includes('perServer')) await limits.consume('server', 'alpha');
    expect(await refusalOf(policy, identity(who), tool)).toBe(answer);
    limits.dispose();
  });

  it('sees only granted servers, and a tool grant grants only its server', () => {
    const policy = new CallPolicy({ directory: DIRECTORY });
    const seen = (who: Partial<Identity>): string[] =>
      policy.serversOf(new ClientSession('websocket', { kind: 'all' }, identity(who)));
    expect(seen({})).toEqual(['alpha', 'beta']);
    expect(seen({ servers: ['beta'] })).toEqual(['beta']);
    expect(seen({ tools: ['alpha__echo'] })).toEqual(['alpha']);
    expect(policy.serversOf(new ClientSession('websocket', { kind: 'server', server: 'beta' }))).toEqual([
      'beta',
    ]);
  });

  it('hides filtered and ungranted tools from lists', () => {
    const policy = new CallPolicy({ directory: DIRECTORY });
    const session = new ClientSession(
      'sse',
      { kind: 'all' },
      identity({ tools: ['alpha__echo', 'alpha__secret'] }),
    );
    expect(['echo', 'secret', 'other'].filter((tool) => policy.toolVisible(session, 'alpha', tool))).toEqual([
      'echo',
    ]);
  });
});
