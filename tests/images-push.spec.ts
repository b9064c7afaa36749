import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, mcpman } from './helpers/cli.js';
import { podman } from './helpers/podman.js';
import { LocalRegistry } from './helpers/registry.js';
import { EVERYTHING, Workspace } from './helpers/workspace.js';

/** `mcpman images push` into a real registry: what a cluster then pulls. */
describe('mcpman images push', () => {
  const env = cliEnv();
  let workspace: Workspace;
  let registry: LocalRegistry;
  let config: string;

  beforeAll(async () => {
    workspace = await Workspace.create('mcpman-push-');
    registry = await LocalRegistry.start();
    config = await workspace.write(
      'mcpman.yaml',
      ['version: 1', 'servers:', '  everything:', `    source: ${EVERYTHING}`, ''].join('\n'),
    );
  });

  afterAll(async () => {
    await registry.stop();
    await workspace.dispose();
  });

  it("pushes the images the config's export uses under the prefix, and leaves the local store as it was", async () => {
    const prefix = `127.0.0.1:${registry.port}/team/`;
    const result = await mcpman(env, [
      'images',
      'push',
      '-f',
      config,
      '--image-prefix',
      prefix,
      '--no-tls-verify',
      '--json',
    ]);
    expect(result.stderr.split('\n').filter((line) => line.startsWith('mcpman:'))).toEqual([]);
    expect(result.code).toBe(0);
    const { pushed } = JSON.parse(result.stdout) as { pushed: { source: string; target: string }[] };
    expect(pushed.map((image) => image.target.replace(/:[^:/]+$/, ''))).toEqual([
      `${prefix}mcpman/mcpman`,
      `${prefix}mcpman/npx-modelcontextprotocol-server-everything-bridged`,
    ]);
    const stored = await registry.contents();
    for (const image of pushed) {
      const [repo = '', tag = ''] = image.target.slice(`127.0.0.1:${registry.port}/`.length).split(':');
      expect(stored[repo]).toEqual([tag]);
    }
    expect(await localNames(`127.0.0.1:${registry.port}/`)).toEqual([]);
  });

  it('says clearly when the registry cannot be reached, and leaves no extra tag', async () => {
    const result = await mcpman(env, [
      'images',
      'push',
      '-f',
      config,
      '--image-prefix',
      '127.0.0.1:1/nobody/',
      '--no-tls-verify',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /IMAGE_PUSH_FAILED: pushing 127\.0\.0\.1:1\/nobody\/mcpman\/mcpman:\S+ failed: .*connection refused/,
    );
    expect(await localNames('127.0.0.1:1/')).toEqual([]);
  });
});

/** Local image names under a registry: the push's temporary tags, which must not stay. */
async function localNames(registry: string): Promise<string[]> {
  const names = await podman('images', '--format', '{{.Repository}}:{{.Tag}}');
  return names.split('\n').filter((name) => name.startsWith(registry));
}
