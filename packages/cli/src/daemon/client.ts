import { request } from 'node:http';
import type { IncomingMessage, RequestOptions } from 'node:http';
import { createParser } from 'eventsource-parser';
import * as z from 'zod';
import { MCPError, MCPErrorCode, parseErrorCode } from '@mcpman/protocol';
import type { ManagerEvent, ProfileInfo, ServerStatus } from '@mcpman/shared';
import type { ServerFigures } from '@mcpman/gateway';
import type { DaemonInfo, ServerDetail } from '@mcpman/manager';

const ErrorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), hint: z.string().optional() }),
});

/** Where the manager's API answers: its owner-only Unix socket, or an HTTP URL. */
export type ManagerEndpoint = { readonly socketPath: string } | { readonly url: string };

function describe(endpoint: ManagerEndpoint): string {
  return 'socketPath' in endpoint ? endpoint.socketPath : endpoint.url;
}

/**
 * The CLI's view of a running manager, over its management API. Responses come from our own
 * daemon, so they are trusted to have the documented shape once the status is OK.
 */
export class ManagementClient {
  constructor(readonly endpoint: ManagerEndpoint) {}

  private open(method: string, path: string, signal: AbortSignal, accept: string): Promise<IncomingMessage> {
    const endpoint = this.endpoint;
    const target: RequestOptions =
      'socketPath' in endpoint
        ? { socketPath: endpoint.socketPath, path }
        : (() => {
            const url = new URL(path, endpoint.url);
            return { host: url.hostname, port: url.port, path: url.pathname };
          })();
    return new Promise((resolve, reject) => {
      const req = request({
        ...target,
        method,
        signal,
        headers: {
          accept,
          ...(method === 'POST' ? { 'content-type': 'application/json', 'content-length': '2' } : {}),
        },
      });
      req.once('response', resolve);
      req.once('error', reject);
      req.end(method === 'POST' ? '{}' : undefined);
    });
  }

  private async call<T>(method: string, path: string, timeoutMs = 10_000): Promise<T> {
    let response: IncomingMessage;
    let text = '';
    try {
      response = await this.open(method, path, AbortSignal.timeout(timeoutMs), 'application/json');
      for await (const chunk of response as AsyncIterable<Buffer>) text += chunk.toString('utf8');
    } catch (error) {
      throw new MCPError(
        MCPErrorCode.EngineUnavailable,
        `the manager at ${describe(this.endpoint)} did not answer`,
        {
          cause: error,
          hint: 'Is `mcpman up` still running? `mcpman down` cleans up after a manager that died.',
        },
      );
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    const status = response.statusCode ?? 0;
    if (status < 200 || status >= 300) {
      const parsed = ErrorBody.safeParse(body);
      if (parsed.success) {
        const code = parseErrorCode(parsed.data.error.code) ?? MCPErrorCode.Internal;
        throw new MCPError(code, parsed.data.error.message, { hint: parsed.data.error.hint });
      }
      throw new MCPError(MCPErrorCode.Internal, `${method} ${path} failed with HTTP ${status}`);
    }
    return body as T;
  }

  info(): Promise<DaemonInfo> {
    return this.call('GET', '/api/v1/info');
  }

  /** The config's profiles with the tools their endpoints list now. */
  async profiles(): Promise<ProfileInfo[]> {
    return (await this.call<{ profiles: ProfileInfo[] }>('GET', '/api/v1/profiles')).profiles;
  }

  async servers(): Promise<ServerStatus[]> {
    return (await this.call<{ servers: ServerStatus[] }>('GET', '/api/v1/servers')).servers;
  }

  /** Tool calls, errors, memory and CPU by server: the figures /metrics exports. */
  async figures(): Promise<Readonly<Record<string, ServerFigures>>> {
    return (
      (await this.call<{ figures?: Record<string, ServerFigures> }>('GET', '/api/v1/servers')).figures ?? {}
    );
  }

  server(name: string): Promise<ServerDetail> {
    return this.call('GET', `/api/v1/servers/${encodeURIComponent(name)}`);
  }

  async restart(name: string): Promise<void> {
    await this.call('POST', `/api/v1/servers/${encodeURIComponent(name)}/restart`, 120_000);
  }

  async reload(): Promise<void> {
    await this.call('POST', '/api/v1/reload', 60_000);
  }

  /** The dashboard's URL with this run's key (the control socket answers; HTTP does not). */
  async dashboardUrl(): Promise<string> {
    return (await this.call<{ url: string }>('GET', '/api/v1/dashboard')).url;
  }

  async shutdown(): Promise<void> {
    await this.call('POST', '/api/v1/shutdown');
  }

  /**
   * Manager events as they happen (after a `snapshot` of all servers), until `signal` fires or
   * the manager goes away.
   */
  async events(
    onEvent: (event: ManagerEvent | { type: 'snapshot'; servers: ServerStatus[] }) => void,
    signal: AbortSignal,
  ): Promise<void> {
    let response: IncomingMessage;
    try {
      response = await this.open('GET', '/api/v1/events', signal, 'text/event-stream');
    } catch (error) {
      if (signal.aborted) return;
      throw error;
    }
    if (response.statusCode !== 200) {
      response.resume();
      throw new MCPError(
        MCPErrorCode.TransportError,
        `event stream failed with HTTP ${response.statusCode ?? 0}`,
      );
    }
    const parser = createParser({
      onEvent: (message) => {
        const data = JSON.parse(message.data) as Record<string, unknown>;
        if (message.event === 'snapshot')
          onEvent({ type: 'snapshot', servers: data['servers'] as ServerStatus[] });
        else onEvent(data as unknown as ManagerEvent);
      },
    });
    response.setEncoding('utf8');
    try {
      for await (const chunk of response as AsyncIterable<string>) parser.feed(chunk);
    } catch (error) {
      if (!signal.aborted) throw error;
    }
  }
}
