import { describe, expect, it } from 'vitest';
import { identityFromClaims } from './oauth-verifier.js';

describe('identityFromClaims', () => {
  it('reads servers, tools, profiles and admin from mcpman scopes, in a string or an array', () => {
    expect(
      identityFromClaims({
        sub: 'alice',
        scope: 'mcpman:server:alpha mcpman:tool:alpha__echo mcpman:profile:coding openid',
      }),
    ).toEqual({
      name: 'oauth:alice',
      kind: 'oauth',
      admin: false,
      servers: ['alpha'],
      tools: ['alpha__echo'],
      profiles: ['coding'],
    });
    expect(identityFromClaims({ client_id: 'ci', scp: ['mcpman:admin', 'mcpman:profile:ops'] })).toEqual({
      name: 'oauth:ci',
      kind: 'oauth',
      admin: true,
      profiles: ['ops'],
    });
  });

  it('grants every endpoint when no profile scope is present', () => {
    expect(identityFromClaims({ sub: 'bob', scope: 'openid' })).not.toHaveProperty('profiles');
  });
});
