import { describe, expect, it } from 'vitest';
import { emptyServerForm, fieldOfPath, formErrors, fromServerConfig, toServerConfig } from './server-form.js';

describe('server form', () => {
  it('writes an npm server as mcpman.yaml takes it', () => {
    const model = {
      ...emptyServerForm(),
      name: 'everything',
      source: '@modelcontextprotocol/server-everything@2026.8.31',
      args: 'stdio\n',
      env: [{ key: 'LOG_LEVEL', value: 'info' }],
      secrets: [{ env: 'API_TOKEN', name: 'my-token', value: 's3cret' }],
      toolsDeny: 'delete_*, drop',
    };
    const config = toServerConfig(model);
    expect(config).toEqual({
      source: 'npx://@modelcontextprotocol/server-everything@2026.8.31',
      args: ['stdio'],
      transport: 'stdio',
      env: { LOG_LEVEL: 'info' },
      secrets: { API_TOKEN: 'my-token' },
      resourceLimits: { memory: '256Mi', cpus: 0.5 },
      tools: { deny: ['delete_*', 'drop'] },
    });
    // The secret's value never lands in the config.
    expect(JSON.stringify(config)).not.toContain('s3cret');
    expect(formErrors(model, { existingSecrets: [] })).toEqual({});
  });

  it('writes a url: server with only what applies to it, and reads it back', () => {
    const model = {
      ...emptyServerForm(),
      name: 'docs',
      sourceKind: 'url' as const,
      source: 'https://mcp.example.com/mcp',
      remoteTransport: 'sse' as const,
      headers: [{ key: 'Authorization', value: 'Bearer ${secret:docs-token}' }],
      secrets: [{ env: '', name: 'docs-token', value: 'tok' }],
      toolsDeny: 'delete_*',
    };
    const config = toServerConfig(model);
    expect(config).toEqual({
      url: 'https://mcp.example.com/mcp',
      transport: 'sse',
      headers: { Authorization: 'Bearer ${secret:docs-token}' },
      tools: { deny: ['delete_*'] },
    });
    expect(JSON.stringify(config)).not.toContain('tok"');
    expect(formErrors(model, { existingSecrets: [] })).toEqual({});
    const back = fromServerConfig('docs', config);
    expect(back).toMatchObject({
      sourceKind: 'url',
      source: 'https://mcp.example.com/mcp',
      remoteTransport: 'sse',
      headers: [{ key: 'Authorization', value: 'Bearer ${secret:docs-token}' }],
    });
  });

  it('refuses a url: server whose header names a secret that is not stored, and a bad URL', () => {
    const model = {
      ...emptyServerForm(),
      name: 'docs',
      sourceKind: 'url' as const,
      source: 'ftp://nope',
      headers: [{ key: 'Authorization', value: 'Bearer ${secret:missing}' }],
    };
    const errors = formErrors(model, { existingSecrets: ['other'] });
    expect(errors.headers).toContain('uses secret "missing", which is not stored');
    expect(errors.source).toContain('url: expected an http:// or https:// URL');
  });

  it('reads an entry back into the same form', () => {
    const model = {
      ...emptyServerForm(),
      name: 'web',
      sourceKind: 'image' as const,
      source: 'localhost/web:1',
      transport: 'http' as const,
      port: '3001',
      network: 'isolated' as const,
      secrets: [{ env: 'KEY', name: 'web-key', value: '' }],
    };
    expect(fromServerConfig('web', toServerConfig(model))).toEqual(model);
  });

  it('writes a PyPI server as pypi://, or with its index as an object, and reads both back', () => {
    const model = {
      ...emptyServerForm(),
      name: 'time',
      sourceKind: 'pypi' as const,
      source: 'mcp-server-time@2025.1.1',
    };
    expect(toServerConfig(model)['source']).toBe('pypi://mcp-server-time@2025.1.1');
    expect(fromServerConfig('time', toServerConfig(model))).toEqual(model);
    const indexed = { ...model, pypiIndex: 'https://pypi.example.com/simple/' };
    expect(toServerConfig(indexed)['source']).toEqual({
      pypi: 'mcp-server-time@2025.1.1',
      index: 'https://pypi.example.com/simple/',
    });
    expect(fromServerConfig('time', toServerConfig(indexed))).toEqual(indexed);
    expect(formErrors(indexed, { existingSecrets: [] })).toEqual({});
    expect(
      formErrors({ ...model, source: 'mcp-server-time@not a version' }, { existingSecrets: [] }).source,
    ).toMatch(/not an exact Python package version/);
  });

  it('names the field of each problem, with what is allowed', () => {
    const errors = formErrors(
      {
        ...emptyServerForm(),
        name: 'Bad Name',
        source: '',
        memory: 'lots',
        transport: 'http',
        port: '99999',
        secrets: [{ env: 'KEY', name: 'missing', value: '' }],
      },
      { existingSecrets: [] },
    );
    expect(errors.name).toMatch(/lowercase/i);
    expect(errors.source).toBeDefined();
    expect(errors.memory).toMatch(/^resourceLimits\.memory: /);
    expect(errors.port).toMatch(/^transport\.port: /);
    expect(errors.secrets).toMatch(/does not exist yet/);
  });

  it('maps config paths to form fields', () => {
    expect(fieldOfPath('transport.port')).toBe('port');
    expect(fieldOfPath('resourceLimits.cpus')).toBe('cpus');
    expect(fieldOfPath('env.API_KEY')).toBe('env');
    expect(fieldOfPath('args[0]')).toBe('args');
    expect(fieldOfPath('securityPolicies.network')).toBe('network');
  });
});

describe('field help from the schema', () => {
  it('gives each form field the description editors see in the JSON Schema', async () => {
    const { serverFieldHelp } = await import('@mcpman/core/config-schema');
    const help = serverFieldHelp();
    expect(help['source']).toMatch(/Where the server comes from/);
    expect(help['resourceLimits.memory']).toMatch(/Memory limit/);
    expect(help['resourceLimits.cpus']).toMatch(/CPU limit/);
    expect(help['securityPolicies.network']).toMatch(/isolated/);
    expect(help['transport.port']).toMatch(/Port the server listens on/);
  });
});
