import { describe, expect, it } from 'vitest';
import { Router } from './router.js';

describe('Router', () => {
  const noop = (): void => undefined;
  const router = new Router()
    .get('/api/v1/servers', noop)
    .get('/api/v1/servers/:name', noop)
    .post('/api/v1/servers/:name/restart', noop);

  it('matches paths and decodes parameters', () => {
    const match = router.match('GET', '/api/v1/servers/my%20server');
    expect(match).toMatchObject({ kind: 'found', params: { name: 'my server' } });
    expect(router.match('GET', '/api/v1/servers/')).toMatchObject({ kind: 'found', params: {} });
  });

  it('tells a wrong method from a missing route, and lists the allowed methods', () => {
    expect(router.match('DELETE', '/api/v1/servers/x/restart')).toEqual({
      kind: 'method-not-allowed',
      allowed: ['POST'],
    });
    expect(router.match('GET', '/api/v1/nothing')).toEqual({ kind: 'not-found' });
    expect(router.match('GET', '/api/v1/servers/a/b')).toEqual({ kind: 'not-found' });
  });

  it('answers bad-path for a parameter that is not valid percent-encoded UTF-8, instead of throwing', () => {
    expect(router.match('GET', '/api/v1/servers/%E0')).toEqual({ kind: 'bad-path', segment: '%E0' });
    expect(router.match('POST', '/api/v1/servers/%/restart')).toEqual({ kind: 'bad-path', segment: '%' });
    expect(router.match('GET', '/api/v1/servers/%C3%A9')).toMatchObject({ params: { name: 'é' } });
  });

  it('treats pattern characters in paths literally', () => {
    const dotted = new Router().get('/.well-known/oauth-protected-resource', noop);
    expect(dotted.match('GET', '/.well-known/oauth-protected-resource').kind).toBe('found');
    expect(dotted.match('GET', '/Xwell-known/oauth-protected-resource').kind).toBe('not-found');
  });
});
