import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './remote-server.js';

/**
 * A real image registry on loopback: Debian's docker-registry (the CNCF Distribution registry
 * Docker Hub runs), plain HTTP, storing in a temporary folder.
 */
export class LocalRegistry {
  private constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly child: ChildProcess,
  ) {}

  static async start(): Promise<LocalRegistry> {
    const port = await freePort();
    const dir = await mkdtemp(join(tmpdir(), 'mcpman-registry-'));
    await writeFile(
      join(dir, 'config.yml'),
      `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/data\nhttp:\n  addr: 127.0.0.1:${port}\n`,
    );
    const child = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: 'ignore' });
    const registry = new LocalRegistry(port, dir, child);
    const exited = once(child, 'exit').then(([code]) => {
      throw new Error(`docker-registry exited with ${String(code)} before it answered`);
    });
    const deadline = Date.now() + 30_000;
    const answers = (async (): Promise<void> => {
      while (Date.now() < deadline) {
        const ok = await fetch(`${registry.url}/v2/`).then(
          (response) => response.ok,
          () => false,
        );
        if (ok) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error('docker-registry did not answer within 30 s');
    })();
    await Promise.race([answers, exited]).catch(async (error: unknown) => {
      await registry.stop();
      throw error;
    });
    return registry;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** `repository → tags`, as the registry's own API lists them. */
  async contents(): Promise<Record<string, string[]>> {
    const catalog = (await (await fetch(`${this.url}/v2/_catalog`)).json()) as { repositories: string[] };
    const out: Record<string, string[]> = {};
    for (const repo of catalog.repositories) {
      const list = (await (await fetch(`${this.url}/v2/${repo}/tags/list`)).json()) as { tags: string[] };
      out[repo] = list.tags;
    }
    return out;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      this.child.kill('SIGTERM');
      await once(this.child, 'exit');
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}
