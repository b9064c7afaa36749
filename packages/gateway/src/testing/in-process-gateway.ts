import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GatewayConfigSchema } from '@mcpman/core';
import { GatewayServer } from '../gateway-server.js';
import type { GatewayServerOptions } from '../gateway-server.js';
import type { InProcessDirectory } from './in-process-server.js';

/** A started gateway on a free loopback port in front of an in-process directory. */
export interface InProcessGateway {
  readonly server: GatewayServer;
  readonly base: URL;
  /** Close the gateway and its directory's servers, and remove its state folder. */
  close(): Promise<void>;
}

/**
 * Start a gateway for a spec: `config` is the gateway section (listen defaults to a free loopback
 * port, gRPC to off), `options` anything else GatewayServer takes (a token store, say).
 */
export async function startInProcessGateway(
  directory: InProcessDirectory,
  config: Record<string, unknown> = {},
  options: Partial<GatewayServerOptions> = {},
): Promise<InProcessGateway> {
  const stateDir = await mkdtemp(join(tmpdir(), 'mcpman-gateway-spec-'));
  const server = new GatewayServer({
    config: GatewayConfigSchema.parse({ listen: '127.0.0.1:0', grpc: { enabled: false }, ...config }),
    directory,
    serverInfo: { name: 'mcpman', version: 'test' },
    stateDir,
    ...options,
  });
  const base = await server.start();
  return {
    server,
    base,
    close: async () => {
      await server.close();
      directory.dispose();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}
