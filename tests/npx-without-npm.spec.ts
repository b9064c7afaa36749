import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineClient, ImageService, containerName, ownerForConfig } from '@mcpman/core';
import { cliEnv, mcpman, stopManager } from './helpers/cli.js';
import { inspect, podman, sweep } from './helpers/podman.js';
import { Workspace } from './helpers/workspace.js';

const PACKAGE = '@modelcontextprotocol/server-sequential-thinking';
const VERSION = '2026.8.31';
const REPOSITORY = 'localhost/mcpman/npx-modelcontextprotocol-server-sequential-thinking';

/** Every image of the package, so each path has to build it from nothing. */
async function removeImages(): Promise<void> {
  const ids = (await podman('images', '-q', '--filter', `reference=${REPOSITORY}`))
    .split('\n')
    .filter(Boolean);
  if (ids.length > 0) await podman('rmi', '-f', ...new Set(ids));
}

/**
 * npx:// packages are installed by npm in a build container on the engine: by default (so nothing
 * of a package's dependency tree runs on this machine), and necessarily for Podman Desktop users
 * on macOS and Windows, who often have no npm. The host path (images.npmInstall: host) gives the
 * same image tag for the same inputs.
 */
describe('npx:// servers on a machine without npm on the PATH', () => {
  let workspace: Workspace;
  let config: string;
  let bare: string;
  const env = cliEnv();

  beforeAll(async () => {
    await sweep();
    await removeImages();
    workspace = await Workspace.create();
    config = await workspace.write(
      'mcpman.yaml',
      `version: 1\ngateway: { listen: 127.0.0.1:0, grpc: { listen: 127.0.0.1:0 } }\nservers:\n  thinking:\n    source: npx://${PACKAGE}@${VERSION}\n`,
    );
    // A PATH with node and nothing else: no npm (node sits beside npm in /usr/bin here).
    bare = mkdtempSync(join(tmpdir(), 'mcpman-no-npm-'));
    symlinkSync(process.execPath, join(bare, 'node'));
  });

  afterAll(async () => {
    await stopManager(env);
    await sweep();
    await workspace.dispose();
    rmSync(bare, { recursive: true, force: true });
  });

  let engineTag = '';

  it('installs the package on the engine and brings the server to ready', async () => {
    const up = await mcpman({ ...env, PATH: bare }, ['up', '--detach', '-v', '-f', config], {
      timeoutMs: 600_000,
    });
    expect(up.code, up.stdout + up.stderr).toBe(0);
    expect(up.stdout).toContain('on the engine');
    expect(up.stdout).toContain('1/1 servers ready');
    const { parsed } = await inspect(containerName(ownerForConfig(config).id, 'thinking'));
    expect(parsed.State.Running).toBe(true);
    engineTag = (
      await podman('inspect', '--type', 'container', '--format', '{{.ImageName}}', parsed.Id)
    ).trim();
    expect(engineTag).toMatch(new RegExp(`^${REPOSITORY}:[0-9a-f]{16}$`));
    const down = await mcpman(env, ['down', '-f', config]);
    expect(down.code, down.stderr).toBe(0);
  });

  it('gives the same tag when npm on the host installs it', async () => {
    expect(engineTag).not.toBe('');
    await removeImages();
    const engine = await EngineClient.connect();
    const images = new ImageService({ engine, cacheDir: join(workspace.dir, 'cache'), npmInstall: 'host' });
    const phases: string[] = [];
    const image = await images.resolve(
      { type: 'npx', package: PACKAGE, version: VERSION },
      workspace.dir,
      (p) => phases.push(p.message),
    );
    expect(phases).toContain(`npm install ${PACKAGE}@${VERSION}`);
    expect(image.ref).toBe(engineTag);
  });

  it('resolves a version range with npm view in a container, to the same image', async () => {
    const engine = await EngineClient.connect();
    const images = new ImageService({
      engine,
      cacheDir: join(workspace.dir, 'cache'),
      env: { ...process.env, PATH: bare },
    });
    const phases: string[] = [];
    const image = await images.resolve(
      { type: 'npx', package: PACKAGE, version: '~2026.8.0' },
      workspace.dir,
      (p) => phases.push(p.message),
    );
    expect(phases).toEqual([`npm view ${PACKAGE}@~2026.8.0 (in a container)`]);
    expect(image.ref).toBe(engineTag);
    expect(
      await podman('ps', '-a', '--filter', 'label=io.mcpman.role=npm-view', '--format', '{{.Names}}'),
    ).toBe('');
  });

  it('installs on the engine by default even where npm is on the PATH, asking this npm only for metadata', async () => {
    await removeImages();
    const engine = await EngineClient.connect();
    const images = new ImageService({ engine, cacheDir: join(workspace.dir, 'cache') });
    const phases: string[] = [];
    const image = await images.resolve(
      { type: 'npx', package: PACKAGE, version: '~2026.8.0' },
      workspace.dir,
      (p) => phases.push(p.message),
    );
    // No container for `npm view` (npm here answered it), no `npm install` here, one build stage there.
    expect(phases.some((message) => message.includes('(in a container)'))).toBe(false);
    expect(phases).not.toContain(`npm install ${PACKAGE}@${VERSION}`);
    expect(
      phases.some((message) => message.includes(`npm install ${PACKAGE}@${VERSION} on the engine`)),
    ).toBe(true);
    expect(image.ref).toBe(engineTag);
  });
});
