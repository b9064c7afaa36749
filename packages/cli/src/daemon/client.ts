import { createParser } from 'eventsource-parser';
import * as z from 'zod';
import { MCPError, MCPErrorCode, parseErrorCode } from '@mcpman/core';
import type { ManagerEvent, ServerStatus } from '@mcpman/core';
import type { DaemonInfo, ServerDetail } from '@mcpman/gateway';

const ErrorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), hint: z.string().optional() }),
});

/**
 * The CLI's view of a running manager, over its management API. Responses come from our own
 * daemon, so they are trusted to have the documented shape once the status is OK.
 */
export class ManagementClient {
  constructor(readonly baseUrl: string) {}

  private async call<T>(method: string, path: string, timeoutMs = 10_000): Promise<T> {
    let response: Response;
    try {
      response = await fetch(new URL(path, this.baseUrl), {
        method,
        headers: method === 'POST' ? { 'content-type': 'application/json' } : {},
        body: method === 'POST' ? '{}' : undefined,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new MCPError(MCPErrorCode.EngineUnavailable, `the manager at ${this.baseUrl} did not answer`, {
        cause: error,
        hint: 'Is `mcpman up` still running? `mcpman down` cleans up after a manager that died.',
      });
    }
    const body: unknown = await response.json().catch(() => undefined);
    if (!response.ok) {
      const parsed = ErrorBody.safeParse(body);
      if (parsed.success) {
        const code = parseErrorCode(parsed.data.error.code) ?? MCPErrorCode.Internal;
        throw new MCPError(code, parsed.data.error.message, { hint: parsed.data.error.hint });
      }
      throw new MCPError(MCPErrorCode.Internal, `${method} ${path} failed with HTTP ${response.status}`);
    }
    return body as T;
  }

  info(): Promise<DaemonInfo> {
    return this.call('GET', '/api/v1/info');
  }

  async servers(): Promise<ServerStatus[]> {
    return (await this.call<{ servers: ServerStatus[] }>('GET', '/api/v1/servers')).servers;
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
    const response = await fetch(new URL('/api/v1/events', this.baseUrl), {
      signal,
      headers: { accept: 'text/event-stream' },
    });
    if (!response.ok || response.body === null)
      throw new MCPError(MCPErrorCode.TransportError, `event stream failed with HTTP ${response.status}`);
    const parser = createParser({
      onEvent: (message) => {
        const data = JSON.parse(message.data) as Record<string, unknown>;
        if (message.event === 'snapshot')
          onEvent({ type: 'snapshot', servers: data['servers'] as ServerStatus[] });
        else onEvent(data as unknown as ManagerEvent);
      },
    });
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body as AsyncIterable<Uint8Array>)
        parser.feed(decoder.decode(chunk, { stream: true }));
    } catch (error) {
      if (!signal.aborted) throw error;
    }
  }
}
