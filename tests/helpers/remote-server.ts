import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer, request } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';

/** A free TCP port on 127.0.0.1 (the OS picks it; it is free once this resolves). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        resolve(typeof address === 'object' && address !== null ? address.port : 0);
      });
    });
  });
}

/** Whether 127.0.0.1:`port` can be bound right now. */
function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => {
      resolve(false);
    });
    server.listen(port, '127.0.0.1', () => {
      server.close(() => {
        resolve(true);
      });
    });
  });
}

/** The first of `count` consecutive free ports on 127.0.0.1 (for listeners placed next to each other). */
export async function freePortRun(count: number): Promise<number> {
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 20_000);
    let free = 0;
    while (free < count && (await bindable(base + free))) free++;
    if (free === count) return base;
  }
}

const EVERYTHING_BIN = createRequire(import.meta.url).resolve(
  '@modelcontextprotocol/server-everything/dist/index.js',
);

/**
 * The real server-everything from npm running on this host (not in Podman), serving Streamable
 * HTTP on /mcp or legacy SSE on /sse: a server mcpman does not run, for url: configs. It can be
 * killed and started again on the same port.
 */
export class HostEverything {
  private child: ChildProcess | undefined;

  private constructor(
    readonly mode: 'streamableHttp' | 'sse',
    readonly port: number,
  ) {}

  static async start(mode: 'streamableHttp' | 'sse', port?: number): Promise<HostEverything> {
    const server = new HostEverything(mode, port ?? (await freePort()));
    await server.restart();
    return server;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/${this.mode === 'sse' ? 'sse' : 'mcp'}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Start it (again) on its port; resolves once it says it listens. */
  async restart(): Promise<void> {
    const child = spawn(process.execPath, [EVERYTHING_BIN, this.mode], {
      env: { ...process.env, PORT: String(this.port) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.child = child;
    const lines = createInterface({ input: child.stderr });
    const exited = once(child, 'exit').then(([code]) => {
      throw new Error(`server-everything ${this.mode} exited with ${String(code)} before listening`);
    });
    const listening = (async (): Promise<void> => {
      for await (const line of lines) if (/listening on port|running on port/i.test(line)) return;
    })();
    await Promise.race([listening, exited]);
    // Keep reading, so a chatty server never blocks on a full pipe.
    child.stderr.resume();
  }

  /** SIGKILL, as a crash would; resolves once the process is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const gone = once(child, 'exit');
    child.kill('SIGKILL');
    await gone;
  }
}

/**
 * A reverse proxy that lets through only requests with `Authorization: <expected>` and counts
 * both kinds: proof that the gateway sent the header it filled from a secret, on every request.
 * Bodies and event streams are piped as they come.
 */
export class AuthCheckingProxy {
  authorized = 0;
  refused = 0;
  private readonly server: Server;
  private listenPort = 0;

  private constructor(
    private readonly targetPort: number,
    private readonly expected: string,
  ) {
    this.server = createServer((req, res) => {
      this.forward(req, res);
    });
  }

  static async start(targetPort: number, expected: string): Promise<AuthCheckingProxy> {
    const proxy = new AuthCheckingProxy(targetPort, expected);
    proxy.server.listen(0, '127.0.0.1');
    await once(proxy.server, 'listening');
    const address = proxy.server.address();
    proxy.listenPort = typeof address === 'object' && address !== null ? address.port : 0;
    return proxy;
  }

  get port(): number {
    return this.listenPort;
  }

  private forward(req: IncomingMessage, res: ServerResponse): void {
    if (req.headers.authorization !== this.expected) {
      this.refused += 1;
      res.writeHead(401, { 'content-type': 'text/plain' }).end('missing or wrong Authorization');
      return;
    }
    this.authorized += 1;
    const upstream = request(
      { host: '127.0.0.1', port: this.targetPort, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502).end('upstream unavailable');
      else res.destroy();
    });
    req.pipe(upstream);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
  }
}
