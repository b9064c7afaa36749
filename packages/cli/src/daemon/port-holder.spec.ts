import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GatewayConfigSchema } from '@mcpman/core';
import { MCPError, toDisposable } from '@mcpman/protocol';
import { GatewayServer } from '@mcpman/gateway';
import { namePortHolder } from './port-holder.js';
import type { DaemonRecord } from './state.js';

/** What starting a gateway on a taken port really throws. */
async function clashOn(port: number): Promise<unknown> {
  const stateDir = await mkdtemp(join(tmpdir(), 'mcpman-clash-'));
  const server = new GatewayServer({
    config: GatewayConfigSchema.parse({ listen: `127.0.0.1:${port}`, grpc: { enabled: false } }),
    directory: { names: () => [], get: () => undefined, onStateChange: () => toDisposable(() => undefined) },
    serverInfo: { name: 'mcpman', version: 'test' },
    stateDir,
  });
  try {
    return await server.start().then(
      () => undefined,
      (error: unknown) => error,
    );
  } finally {
    await server.close();
    await rm(stateDir, { recursive: true, force: true });
  }
}

const record = (fields: Partial<DaemonRecord>): DaemonRecord => ({
  pid: 4242,
  url: 'http://127.0.0.1:1/',
  configPath: '/home/me/a/mcpman.yaml',
  ownerId: 'abc',
  startedAt: 0,
  ...fields,
});

describe('a listen address another manager holds', () => {
  it('names the manager and the listener, with what to change', async () => {
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const port = (squatter.address() as { port: number }).port;
    try {
      const error = await clashOn(port);
      expect(error).toBeInstanceOf(MCPError);
      const grpc = namePortHolder(error, [
        record({}),
        record({ pid: 7, grpc: `127.0.0.1:${port}` }),
      ]) as MCPError;
      expect(grpc.message).toBe(
        `127.0.0.1:${port} is already in use: it is the gRPC listener of the manager of /home/me/a/mcpman.yaml (pid 7)`,
      );
      expect(grpc.hint).toContain('gateway.grpc.listen');
      const http = namePortHolder(error, [record({ url: `http://127.0.0.1:${port}/` })]) as MCPError;
      expect(http.message).toContain(
        'it is the HTTP listener of the manager of /home/me/a/mcpman.yaml (pid 4242)',
      );
      // Held by something else: the error as it was.
      expect(namePortHolder(error, [record({})])).toBe(error);
      expect(namePortHolder(new Error('other'), [record({})])).toBeInstanceOf(Error);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });
});
