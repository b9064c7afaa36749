import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { containerName, ownerForConfig } from '@mcpman/core';
import type { CliResult } from './helpers/cli.js';
import { REPO } from './helpers/cli.js';
import { inspect, podman, sweep } from './helpers/podman.js';
import { freePortRun } from './helpers/remote-server.js';
import { EVERYTHING } from './helpers/workspace.js';

const exec = promisify(execFile);
const VERSION = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
const IMAGE = `localhost/mcpman/podman-desktop-extension:${VERSION}`;

interface CycloneDx {
  bomFormat: string;
  specVersion: string;
  metadata: { component: { name: string; version: string; purl: string } };
  components: { name: string }[];
}

/**
 * `npm run release`, and its npm package installed as a user would: into an empty prefix,
 * offline (everything it needs is in the tarball), then run from an empty folder with a PATH of
 * that prefix, Node and Podman and nothing else.
 */
describe('the release and the installed mcpman', () => {
  const root = mkdtempSync(join(tmpdir(), 'mcpman-install-'));
  const out = join(root, 'release');
  const prefix = join(root, 'prefix');
  const bare = join(root, 'bare');
  const home = join(root, 'home');
  const project = join(home, 'project');
  const tarball = join(out, `mcpman-${VERSION}.tgz`);
  const env: NodeJS.ProcessEnv = {
    HOME: home,
    PATH: `${join(prefix, 'bin')}:${bare}`,
    MCPMAN_STATE_DIR: join(root, 'state'),
    NO_COLOR: '1',
    // Where a rootless engine's socket is; root's is at its fixed place.
    ...(process.env['XDG_RUNTIME_DIR'] === undefined
      ? {}
      : { XDG_RUNTIME_DIR: process.env['XDG_RUNTIME_DIR'] }),
    ...(process.env['CONTAINER_HOST'] === undefined ? {} : { CONTAINER_HOST: process.env['CONTAINER_HOST'] }),
  };

  /** The installed command, started by its own `#!/usr/bin/env node` line. */
  const installed = (args: readonly string[]): Promise<CliResult> =>
    new Promise((resolve, reject) => {
      const child = spawn(join(prefix, 'bin/mcpman'), args, { env, cwd: project });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code) => {
        resolve({ code: code ?? -1, stdout, stderr });
      });
    });

  beforeAll(async () => {
    await sweep();
    for (const dir of [prefix, bare, project]) mkdirSync(dir, { recursive: true });
    const podmanPath = (await exec('sh', ['-c', 'command -v podman'])).stdout.trim();
    symlinkSync(process.execPath, join(bare, 'node'));
    symlinkSync(podmanPath, join(bare, 'podman'));
    // `npm test` has built everything; the release packs that build.
    await exec(process.execPath, [join(REPO, 'scripts/release.mjs'), '--skip-build', '--out', out], {
      cwd: REPO,
      maxBuffer: 64 * 1024 * 1024,
    });
  });

  afterAll(async () => {
    await installed(['down']).catch(() => undefined);
    await sweep();
    await podman('rmi', '-f', IMAGE).catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
  });

  it('writes the npm package, the extension image, an SBOM of each and their checksums, all of one version', async () => {
    const files = readdirSync(out).sort();
    expect(files).toEqual(
      [
        'SHA256SUMS',
        `mcpman-${VERSION}.cdx.json`,
        `mcpman-${VERSION}.tgz`,
        `mcpman-podman-desktop-extension-${VERSION}.cdx.json`,
        `mcpman-podman-desktop-extension-${VERSION}.oci.tar`,
      ].sort(),
    );
    const sums = readFileSync(join(out, 'SHA256SUMS'), 'utf8').trim().split('\n');
    expect(sums).toHaveLength(4);
    for (const line of sums) {
      const [digest, name] = line.split('  ');
      expect(
        createHash('sha256')
          .update(readFileSync(join(out, name!)))
          .digest('hex'),
        name,
      ).toBe(digest);
    }
    // The package: its version, its bin, and its dependencies inside it.
    const manifest = JSON.parse((await exec('tar', ['-xzOf', tarball, 'package/package.json'])).stdout) as {
      name: string;
      version: string;
      bin: Record<string, string>;
      bundleDependencies: string[];
    };
    expect(manifest).toMatchObject({ name: 'mcpman', version: VERSION, bin: { mcpman: 'mcpman.mjs' } });
    const listed = (await exec('tar', ['-tzf', tarball], { maxBuffer: 16 * 1024 * 1024 })).stdout;
    for (const dependency of manifest.bundleDependencies)
      expect(listed).toContain(`package/node_modules/${dependency}/package.json`);
    expect(listed).toContain('package/node_modules/@mcpman/ui/dist/index.html');
    expect(listed).toContain('package/CHANGELOG.md');
    // The image, saved under its version, with the version in its label and manifest.
    const index = JSON.parse(
      (
        await exec('tar', [
          '-xOf',
          join(out, `mcpman-podman-desktop-extension-${VERSION}.oci.tar`),
          'index.json',
        ])
      ).stdout,
    ) as { manifests: { annotations?: Record<string, string> }[] };
    expect(index.manifests[0]?.annotations?.['org.opencontainers.image.ref.name']).toBe(IMAGE);
    const [image] = JSON.parse(await podman('image', 'inspect', IMAGE)) as [
      { Config: { Labels: Record<string, string> } },
    ];
    expect(image.Config.Labels['org.opencontainers.image.version']).toBe(VERSION);
    // Each SBOM describes its artifact and lists what is bundled into it.
    for (const [file, name, inside] of [
      [`mcpman-${VERSION}.cdx.json`, 'mcpman', ['commander', '@grpc/grpc-js', 'jsonc-parser']],
      [`mcpman-podman-desktop-extension-${VERSION}.cdx.json`, 'podman-desktop-extension', ['@grpc/grpc-js']],
    ] as const) {
      const bom = JSON.parse(readFileSync(join(out, file), 'utf8')) as CycloneDx;
      expect(bom.bomFormat).toBe('CycloneDX');
      expect(bom.metadata.component).toMatchObject({ name, version: VERSION });
      const names = bom.components.map((c) => c.name);
      for (const dependency of inside) expect(names, file).toContain(dependency);
      // Only what ships: no test or build tools.
      expect(names, file).not.toContain('vitest');
    }
  });

  it('installs offline into an empty prefix and runs from any folder with only Node and Podman on the PATH', async () => {
    await exec(
      'npm',
      ['install', '--global', '--offline', '--no-audit', '--no-fund', '--prefix', prefix, tarball],
      { cwd: root },
    );
    const version = await installed(['--version']);
    expect(version.stdout.trim()).toBe(VERSION);
    // The catalog travels with it: search answers even when no registry does.
    const search = await installed(['search', 'memory']);
    expect(search.code, search.stderr).toBe(0);
    expect(search.stdout).toContain('io.github.modelcontextprotocol/server-memory');
  });

  it('adds a server, brings it to ready, serves a tool call, the dashboard and a client, and takes it down', async () => {
    const add = await installed(['add', EVERYTHING, '--name', 'everything', '--arg', 'stdio']);
    expect(add.code, add.stderr).toBe(0);
    const [port] = [await freePortRun(2)];
    const up = await installed(['up', '--detach', '--port', String(port)]);
    expect(up.code, up.stdout + up.stderr).toBe(0);
    expect(up.stdout).toContain('1/1 servers ready');
    const config = join(project, 'mcpman.yaml');
    expect((await inspect(containerName(ownerForConfig(config).id, 'everything'))).parsed.State.Running).toBe(
      true,
    );

    const client = new Client({ name: 'install-test', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/servers/everything/mcp`)),
    );
    try {
      const echo = CallToolResultSchema.parse(
        await client.callTool({ name: 'echo', arguments: { message: 'installed' } }),
      );
      expect(JSON.stringify(echo.content)).toContain('Echo: installed');
    } finally {
      await client.close();
    }

    // The dashboard comes from inside the package.
    const dashboard = await installed(['dashboard', '--no-open']);
    expect(dashboard.stdout).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/#key=`));
    const page = await fetch(`http://127.0.0.1:${port}/`);
    expect(page.status).toBe(200);
    await expect(page.text()).resolves.toContain('<title>MCP Server Manager</title>');

    // A client that spawns a command gets the installed mcpman as its stdio bridge, and it works.
    const connect = await installed(['client', 'connect', 'claude-desktop']);
    expect(connect.code, connect.stderr).toBe(0);
    const desktop = JSON.parse(
      readFileSync(join(home, '.config/Claude/claude_desktop_config.json'), 'utf8'),
    ) as { mcpServers: { mcpman: { command: string; args: string[] } } };
    const bridge = desktop.mcpServers.mcpman;
    expect(bridge.args[0]).toBe(join(prefix, 'lib/node_modules/mcpman/mcpman.mjs'));
    const stdio = new Client({ name: 'desktop', version: '1' });
    await stdio.connect(
      new StdioClientTransport({
        command: bridge.command,
        args: bridge.args,
        env: env as Record<string, string>,
      }),
    );
    try {
      const tools = await stdio.listTools();
      expect(tools.tools.map((t) => t.name)).toContain('everything__echo');
    } finally {
      await stdio.close();
    }

    const down = await installed(['down']);
    expect(down.code, down.stderr).toBe(0);
    expect(down.stdout).toContain(`stopped the manager of ${config}`);
    await expect(inspect(containerName(ownerForConfig(config).id, 'everything'))).rejects.toThrow();
  });
});
