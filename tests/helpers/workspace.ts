import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A temporary folder for config files and mounts, removed after the test file. */
export class Workspace {
  private constructor(readonly dir: string) {}

  static async create(prefix = 'mcpman-test-'): Promise<Workspace> {
    return new Workspace(await mkdtemp(join(tmpdir(), prefix)));
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  async write(name: string, text: string): Promise<string> {
    const path = this.path(name);
    await writeFile(path, text);
    return path;
  }

  async dispose(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

export const EVERYTHING = 'npx://@modelcontextprotocol/server-everything@2026.8.31';
export const MEMORY = 'npx://@modelcontextprotocol/server-memory@2026.8.31';
export const FILESYSTEM = 'npx://@modelcontextprotocol/server-filesystem@2026.8.31';
