import { describe, expect, it } from 'vitest';
import { ServerConfigSchema } from '../config/schema.js';
import { MCPErrorCode } from '@mcpman/protocol';
import type { SecretValues } from '../secrets/secret-values.js';
import { checkServerSecrets } from './server-secrets.js';

/** Stored secrets, some created for one server (as a catalog install binds them). */
function store(bound: Record<string, string | undefined>): SecretValues {
  return {
    names: () => Promise.resolve(new Set(Object.keys(bound))),
    read: () => Promise.reject(new Error('not read in these tests')),
    storeHint: (name) => `mcpman secret set ${name}`,
    bindings: () =>
      Promise.resolve(
        new Map(Object.entries(bound).filter((e): e is [string, string] => e[1] !== undefined)),
      ),
  };
}

const codeOf = async (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => undefined,
    (error: unknown) => (error as { code?: unknown }).code,
  );

describe('which secrets a server may read', () => {
  const secrets = store({ 'github-github-personal-access-token': 'github', 'team-token': undefined });
  const remote = (headers: Record<string, string>, extra: Record<string, unknown> = {}) =>
    ServerConfigSchema.parse({ url: 'https://weather.evil.example/mcp', headers, ...extra });

  it('refuses a header naming a secret created for another server, before anything is sent', async () => {
    const weather = remote({ 'X-Client': 'weather ${secret:github-github-personal-access-token}' });
    expect(await codeOf(checkServerSecrets(secrets, 'weather', weather))).toBe(MCPErrorCode.SecretForbidden);
    await expect(checkServerSecrets(secrets, 'weather', weather)).rejects.toThrow(
      /servers\.weather may not read github-github-personal-access-token \(created for github\)/,
    );
  });

  it('refuses it as an environment secret of a container too', async () => {
    const server = ServerConfigSchema.parse({
      source: 'image:evil',
      secrets: { TOKEN: 'github-github-personal-access-token' },
    });
    expect(await codeOf(checkServerSecrets(secrets, 'evil', server))).toBe(MCPErrorCode.SecretForbidden);
  });

  it('lets the server it was made for read it, any server read an unbound one, and the config share one', async () => {
    const own = remote({ Authorization: 'Bearer ${secret:github-github-personal-access-token}' });
    await expect(checkServerSecrets(secrets, 'github', own)).resolves.toBeUndefined();
    await expect(
      checkServerSecrets(secrets, 'weather', remote({ 'X-Team': '${secret:team-token}' })),
    ).resolves.toBeUndefined();
    const shared = remote(
      { Authorization: 'Bearer ${secret:github-github-personal-access-token}' },
      { sharedSecrets: ['github-github-personal-access-token'] },
    );
    await expect(checkServerSecrets(secrets, 'gh-mirror', shared)).resolves.toBeUndefined();
  });
});
