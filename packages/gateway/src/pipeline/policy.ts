import { MCPError, MCPErrorCode, toMCPError } from '@mcpman/protocol';
import type { JsonObject } from '@mcpman/protocol';
import type { AuditLog } from '../audit/audit-log.js';
import type { RateLimits } from '../limits/rate-limits.js';
import type { GatewayMetrics, ToolOutcome } from '../metrics/gateway-metrics.js';
import { invalidParams } from '@mcpman/protocol';
import type { Profile, ServerDirectory } from './directory.js';
import { prefixName, toolAllowed } from './names.js';
import type { ClientSession, SessionScope } from './session.js';

/** A call on its way to one server, as the policy steps read it. */
export interface RoutedCall {
  readonly session: ClientSession;
  readonly server: string;
  readonly method: string;
  /** tools/call: the tool's upstream name. */
  readonly tool?: string;
}

interface PolicyStep {
  readonly name: string;
  /** Throws to refuse; a step with nothing to wait for returns synchronously. */
  readonly run: (call: RoutedCall) => Promise<void> | undefined;
}

export interface PolicyDeps {
  readonly directory: ServerDirectory;
  readonly limits?: RateLimits | undefined;
  readonly audit?: AuditLog | undefined;
  readonly metrics?: GatewayMetrics | undefined;
}

/**
 * Who may do what, and how much, in one place. Per request, before routing: the identity's
 * rate limit (`admitRequest`). Per call to a server, in the order of `steps`: server grant,
 * tool filter, tool grant, tool rate limit, server rate limit. Then the server's concurrency
 * gate around the upstream call (`gated`). Tool calls are recorded (audit log, metrics) with
 * their outcome, refusals included (`recordToolCall`).
 */
export class CallPolicy {
  readonly steps: readonly PolicyStep[] = [
    {
      name: 'server grant',
      run: (call: RoutedCall): undefined => {
        this.grantServer(call);
      },
    },
    {
      name: 'tool filter',
      run: (call: RoutedCall): undefined => {
        this.filterTool(call);
      },
    },
    {
      name: 'tool grant',
      run: (call: RoutedCall): undefined => {
        this.grantTool(call);
      },
    },
    {
      name: 'tool rate limit',
      run: (call: RoutedCall): Promise<void> | undefined =>
        call.tool === undefined
          ? undefined
          : this.deps.limits?.consume('tool', prefixName(call.server, call.tool)),
    },
    {
      name: 'server rate limit',
      run: (call: RoutedCall): Promise<void> | undefined => this.deps.limits?.consume('server', call.server),
    },
  ];

  constructor(private readonly deps: PolicyDeps) {}

  /** The identity's request bucket; throws RATE_LIMITED (counted). */
  async admitRequest(session: ClientSession): Promise<void> {
    try {
      await this.deps.limits?.consume('identity', session.identity.name);
    } catch (error) {
      this.countRejection(error);
      throw error;
    }
  }

  /** Every step for one call to a server, in order; the first refusal ends it. */
  async check(call: RoutedCall): Promise<void> {
    for (const step of this.steps) {
      // Awaited only when there is something to wait for: most steps are synchronous checks.
      const pending = step.run(call);
      if (pending !== undefined) await pending;
    }
  }

  /** The upstream call within the server's concurrency gate, if it has one. */
  gated<T>(server: string, send: () => Promise<T>): Promise<T> {
    const gate = this.deps.limits?.gate(server);
    return gate === undefined ? send() : gate.run(send);
  }

  /**
   * Servers a session can see: its scope, narrowed by its identity's grant. A grant of tools
   * grants only their servers: a token for `alpha__echo` reads no resource or prompt of beta.
   */
  serversOf(session: ClientSession): string[] {
    const names = this.scopeServers(session.scope);
    const granted = session.identity.servers;
    const tools = session.identity.tools;
    return names.filter(
      (name) =>
        (granted === undefined || granted.includes(name)) &&
        (tools === undefined || tools.some((tool) => tool.startsWith(prefixName(name, '')))),
    );
  }

  /**
   * Whether a tool shows in the session's lists: exposed by the server's filter, by its
   * profile's (on a profile's endpoint), and granted.
   */
  toolVisible(session: ClientSession, server: string, tool: string): boolean {
    const filter = this.deps.directory.get(server)?.tools;
    return (
      (filter === undefined || toolAllowed(filter, tool)) &&
      this.inProfile(session, server, tool) &&
      this.toolGranted(session, server, tool)
    );
  }

  /** The servers of a scope: all, a profile's (those it names that exist), or one. */
  private scopeServers(scope: SessionScope): string[] {
    if (scope.kind === 'server') return [scope.server];
    const all = this.deps.directory.names();
    if (scope.profile === undefined) return all;
    const profile = this.profile(scope.profile);
    return profile === undefined ? [] : all.filter((name) => Object.hasOwn(profile.servers, name));
  }

  private profile(name: string): Profile | undefined {
    const profiles = this.deps.directory.profiles?.() ?? {};
    return Object.hasOwn(profiles, name) ? profiles[name] : undefined;
  }

  /** Whether a profile's endpoint shows this tool of this server (true off a profile). */
  private inProfile(session: ClientSession, server: string, tool: string): boolean {
    if (session.scope.kind !== 'all' || session.scope.profile === undefined) return true;
    const filter = this.profile(session.scope.profile)?.servers[server]?.tools;
    return filter !== undefined && toolAllowed(filter, tool);
  }

  countRejection(error: unknown): void {
    if (error instanceof MCPError && error.code === MCPErrorCode.RateLimited) {
      const limit = error.data?.['limit'];
      this.deps.metrics?.rateLimited(typeof limit === 'string' ? limit : 'unknown');
    }
  }

  /** Runs a tool call and records it with its outcome; `where` is resolved inside `run`. */
  async recordToolCall(
    session: ClientSession,
    params: JsonObject,
    run: (resolved: (where: { server: string; name: string }) => void) => Promise<JsonObject>,
  ): Promise<JsonObject> {
    const { audit, metrics } = this.deps;
    if (audit === undefined && metrics === undefined) return run(() => undefined);
    const started = performance.now();
    const target = typeof params['name'] === 'string' ? params['name'] : '';
    // A name that does not resolve is recorded as `unknown`.
    let where: { server: string; name: string } | undefined;
    const record = (outcome: ToolOutcome, error?: MCPError): void => {
      metrics?.toolCall(where?.server ?? 'unknown', where?.name ?? 'unknown', outcome);
      audit?.record({
        who: session.identity.name,
        via: session.transport,
        action: 'tools/call',
        target,
        outcome: outcome === 'rate_limited' ? 'rate-limited' : outcome,
        ...(error === undefined ? {} : { error: `${error.code}: ${error.message}` }),
        durationMs: Math.round(performance.now() - started),
        arguments: params['arguments'],
      });
    };
    try {
      const result = await run((resolved) => {
        where = resolved;
      });
      record(result['isError'] === true ? 'error' : 'ok');
      return result;
    } catch (error) {
      const failure = toMCPError(error);
      record(outcomeOf(failure), failure);
      throw error;
    }
  }

  private grantServer({ session, server }: RoutedCall): undefined {
    if (!this.serversOf(session).includes(server)) {
      throw new MCPError(MCPErrorCode.AuthForbidden, `not allowed to use server ${server}`);
    }
  }

  private filterTool({ session, server, tool }: RoutedCall): undefined {
    if (tool === undefined) return undefined;
    const filter = this.deps.directory.get(server)?.tools;
    const visible = session.scope.kind === 'all' ? prefixName(server, tool) : tool;
    if (filter !== undefined && !toolAllowed(filter, tool)) {
      throw invalidParams(`tool ${visible} is not exposed (filtered out by the server's tools config)`);
    }
    // Outside its profile a tool does not exist for the session: refused as an unknown tool.
    if (!this.inProfile(session, server, tool)) throw invalidParams(`unknown tool ${visible}`);
  }

  private grantTool({ session, server, tool }: RoutedCall): undefined {
    if (tool !== undefined && !this.toolGranted(session, server, tool)) {
      throw new MCPError(MCPErrorCode.AuthForbidden, `not allowed to call ${prefixName(server, tool)}`);
    }
  }

  private toolGranted(session: ClientSession, server: string, tool: string): boolean {
    const grant = session.identity.tools;
    return grant === undefined || grant.includes(prefixName(server, tool));
  }
}

function outcomeOf(failure: MCPError): ToolOutcome {
  if (failure.code === MCPErrorCode.AuthForbidden) return 'denied';
  if (failure.code === MCPErrorCode.RateLimited) return 'rate_limited';
  return 'error';
}
