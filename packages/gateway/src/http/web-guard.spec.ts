import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { WebGuard, isLoopbackAddress, isLoopbackHost } from './web-guard.js';

const PORT = 7420;

function req(headers: Record<string, string>, method = 'GET'): IncomingMessage {
  return { headers, method } as unknown as IncomingMessage;
}

const guard = (
  listenHost: string,
  extra: Partial<ConstructorParameters<typeof WebGuard>[0]> = {},
): WebGuard => new WebGuard({ tls: false, listenHost, port: () => PORT, ...extra });

describe('loopback, decided on addresses', () => {
  it('takes 127.0.0.0/8, ::1 and their mapped forms, and no name that merely starts with 127.', () => {
    for (const host of [
      '127.0.0.1',
      '127.255.0.9',
      '::1',
      '[::1]',
      '::ffff:127.0.0.1',
      'localhost',
      'LOCALHOST',
    ])
      expect(isLoopbackHost(host), host).toBe(true);
    for (const host of [
      '127.attacker.example',
      '127.0.0.1.evil.com',
      '0.0.0.0',
      '::',
      '10.0.0.1',
      '128.0.0.1',
    ])
      expect(isLoopbackHost(host), host).toBe(false);
    expect(isLoopbackAddress('localhost')).toBe(false);
  });
});

describe('Host', () => {
  it('on a loopback listener: loopback names and addresses with its port only', () => {
    const g = guard('127.0.0.1');
    for (const host of [`127.0.0.1:${PORT}`, `localhost:${PORT}`, `[::1]:${PORT}`, `LocalHost:${PORT}`])
      expect(g.hostAllowed(req({ host })), host).toBe(true);
    for (const host of [
      `rebind.attacker.example:${PORT}`,
      `127.attacker.example:${PORT}`,
      '127.0.0.1:9999',
      'localhost',
      `10.0.0.5:${PORT}`,
      'a b',
      '',
      `user@127.0.0.1:${PORT}`,
    ])
      expect(g.hostAllowed(req({ host })), host).toBe(false);
    expect(g.hostAllowed(req({}))).toBe(true);
  });

  it('on a wildcard listener (a container or pod): every address, every forwarded port, but no foreign name', () => {
    const g = guard('0.0.0.0');
    for (const host of ['127.0.0.1:31000', `10.88.0.4:${PORT}`, '[fd00::1]:80'])
      expect(g.hostAllowed(req({ host })), host).toBe(true);
    expect(g.hostAllowed(req({ host: `rebind.attacker.example:${PORT}` }))).toBe(false);
  });

  it('configured names (any port, or the one given, or a wildcard domain) and the certificate’s names', () => {
    const g = guard('0.0.0.0', { allowedHosts: ['mcp.example.com', 'gw.internal:8443', '*.corp.example'] });
    expect(g.hostAllowed(req({ host: 'mcp.example.com' }))).toBe(true);
    expect(g.hostAllowed(req({ host: 'MCP.example.com:443' }))).toBe(true);
    expect(g.hostAllowed(req({ host: 'gw.internal:8443' }))).toBe(true);
    expect(g.hostAllowed(req({ host: 'gw.internal:8444' }))).toBe(false);
    expect(g.hostAllowed(req({ host: 'a.corp.example' }))).toBe(true);
    expect(g.hostAllowed(req({ host: 'corp.example' }))).toBe(false);
    expect(g.hostAllowed(req({ host: 'evilcorp.example' }))).toBe(false);
    expect(g.hostAllowed(req({ host: 'mcp.example.com.attacker.example' }))).toBe(false);
  });
});

describe('Origin', () => {
  it('exact scheme, host and port of the gateway’s own loopback names, or of the request’s host', () => {
    const g = guard('127.0.0.1');
    const at = (origin: string, host = `127.0.0.1:${PORT}`): boolean =>
      g.originAllowed(req({ origin, host }));
    expect(at(`http://127.0.0.1:${PORT}`)).toBe(true);
    expect(at(`http://localhost:${PORT}`)).toBe(true);
    expect(at(`http://[::1]:${PORT}`)).toBe(true);
    expect(at('http://127.x.attacker.example')).toBe(false);
    expect(at(`https://127.0.0.1.evil.com:${PORT}`)).toBe(false);
    expect(at(`http://127.0.0.1:${PORT + 1}`)).toBe(false);
    expect(at(`https://127.0.0.1:${PORT}`)).toBe(false);
    expect(at('http://127.0.0.1')).toBe(false);
    expect(at('null')).toBe(false);
    expect(at('not a url')).toBe(false);
    expect(g.originAllowed(req({ host: `127.0.0.1:${PORT}` }))).toBe(true);
  });

  it('configured origins match exactly, never by prefix', () => {
    const g = guard('127.0.0.1', { allowedOrigins: ['https://app.example', 'http://localhost:5173/'] });
    expect(g.originAllowed(req({ origin: 'https://app.example' }))).toBe(true);
    expect(g.originAllowed(req({ origin: 'http://localhost:5173' }))).toBe(true);
    expect(g.originAllowed(req({ origin: 'https://app.example.evil.example' }))).toBe(false);
    expect(g.originAllowed(req({ origin: 'https://app.example:444' }))).toBe(false);
    expect(g.originAllowed(req({ origin: 'http://app.example' }))).toBe(false);
  });

  it('behind TLS with a certificate name, a page served from that name is the gateway', () => {
    const g = guard('0.0.0.0', { tls: true, allowedHosts: ['mcp.example.com'] });
    expect(g.originAllowed(req({ origin: 'https://mcp.example.com', host: 'mcp.example.com' }))).toBe(true);
    expect(g.originAllowed(req({ origin: 'http://mcp.example.com', host: 'mcp.example.com' }))).toBe(false);
  });
});

describe('the management API', () => {
  const g = guard('127.0.0.1', { allowedOrigins: ['https://app.example'] });
  const own = `http://127.0.0.1:${PORT}`;

  it('takes JSON posts from the page itself', () => {
    const ok = req(
      { origin: own, 'content-type': 'application/json; charset=utf-8', 'sec-fetch-site': 'same-origin' },
      'POST',
    );
    expect(g.managementRefusal(ok)).toBeUndefined();
    expect(g.managementRefusal(req({ 'sec-fetch-site': 'none' }))).toBeUndefined();
  });

  it('refuses simple cross-site requests and cross-site fetch metadata', () => {
    expect(g.managementRefusal(req({ origin: own, 'content-type': 'text/plain' }, 'POST'))).toBe('type');
    expect(g.managementRefusal(req({ 'content-type': 'multipart/form-data; boundary=x' }, 'POST'))).toBe(
      'type',
    );
    expect(g.managementRefusal(req({ 'sec-fetch-site': 'cross-site' }))).toBe('site');
    expect(g.managementRefusal(req({ 'sec-fetch-site': 'same-site' }))).toBe('site');
    expect(g.managementRefusal(req({ origin: 'https://evil.example' }))).toBe('origin');
    // An origin the config lists may call across sites (a dashboard hosted elsewhere).
    expect(
      g.managementRefusal(req({ origin: 'https://app.example', 'sec-fetch-site': 'cross-site' })),
    ).toBeUndefined();
  });
});
