import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { freePort } from './remote-server.js';

/**
 * A real redis-server on a free loopback port, its data appended to a file in `dir` so it
 * survives being stopped and started again (as a cluster's Redis restarting would), and
 * pausable (SIGSTOP) to play a Redis that hangs rather than refuses.
 */
export class LocalRedis {
  private child: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  static async start(dir: string): Promise<LocalRedis> {
    const redis = new LocalRedis(await freePort(), dir);
    await redis.restart();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async restart(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', ''];
    const child = spawn('redis-server', [...args, '--appendonly', 'yes', '--appendfsync', 'always'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const exited = once(child, 'exit').then(([code]) => {
      throw new Error(`redis-server exited with ${String(code)} before it was ready`);
    });
    const ready = (async (): Promise<void> => {
      for await (const line of createInterface({ input: child.stdout }))
        if (/Ready to accept connections/.test(line)) return;
    })();
    await Promise.race([ready, exited]);
    child.stdout.resume();
    child.stderr.resume();
  }

  /** SIGTERM, as an orderly restart; resolves once it is gone. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const gone = once(child, 'exit');
    child.kill('SIGCONT');
    child.kill('SIGTERM');
    await gone;
  }

  /** Stop answering without closing connections (a hung Redis), until resume(). */
  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }
}
