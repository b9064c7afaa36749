import type { McpRuntime } from '@mcpman/core';
import type { Disposable } from '@mcpman/protocol';
import type { ServerState } from '@mcpman/shared';
import type { ManagedServer, Profile, ServerDirectory } from '@mcpman/gateway';

/** The runtime's supervisors as the gateway's server directory. */
export class RuntimeDirectory implements ServerDirectory {
  constructor(private readonly runtime: McpRuntime) {}

  names(): string[] {
    return this.runtime.servers().map((supervisor) => supervisor.name);
  }

  get(name: string): ManagedServer | undefined {
    const supervisor = this.runtime.get(name);
    if (supervisor === undefined) return undefined;
    const pool = supervisor.sessions;
    return {
      name,
      state: supervisor.state,
      peer: supervisor.peer,
      handshake: supervisor.negotiated,
      tools: supervisor.config.tools,
      sessionMode: supervisor.config.sessionMode,
      lease: pool === undefined ? undefined : () => pool.lease(),
    };
  }

  profiles(): Readonly<Record<string, Profile>> {
    return this.runtime.profiles();
  }

  onStateChange(listener: (server: string, state: ServerState) => void): Disposable {
    return this.runtime.bus.onType('server.state', (event) => {
      listener(event.server, event.state);
    });
  }
}
