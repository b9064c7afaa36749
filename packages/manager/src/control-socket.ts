import { existsSync } from 'node:fs';
import { chmod, mkdir, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { connect } from 'node:net';
import { MCPError, MCPErrorCode } from '@mcpman/protocol';
import { closeServer, dispatch } from '@mcpman/gateway';
import type { Router } from '@mcpman/gateway';

/** Does something answer on the Unix socket at `path`? */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      resolve(false);
    });
  });
}

/**
 * The management API on a Unix socket that only its owner can open: how the CLI talks to the
 * manager whatever the gateway's TLS and authentication say. The file's permissions are the
 * credential, as with Podman's own socket.
 */
export class ControlSocket {
  private readonly server: Server;

  constructor(
    router: Router,
    readonly path: string,
  ) {
    this.server = createServer((req, res) => {
      dispatch(router, req, res);
    });
  }

  async start(): Promise<void> {
    if (existsSync(this.path)) {
      if (await answers(this.path)) {
        throw new MCPError(MCPErrorCode.TransportError, `another manager is listening on ${this.path}`, {
          hint: 'Stop it with `mcpman down`, or give this one its own MCPMAN_STATE_DIR.',
        });
      }
      // Left by a manager that was killed.
      await unlink(this.path);
    }
    // The owner-only folder is what keeps others out between bind and chmod. (Changing the
    // process umask instead would race with every other file the process creates meanwhile.)
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.path, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    await chmod(this.path, 0o600);
  }

  async close(): Promise<void> {
    await closeServer(this.server);
    await unlink(this.path).catch(() => undefined);
  }
}
