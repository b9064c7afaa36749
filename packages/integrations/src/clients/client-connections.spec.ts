import { chmod, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileTokenStore, GatewayConfigSchema } from '@mcpman/core';
import { ClientConnections, clientContext, gatewayCa } from './client-connections.js';

const GATEWAY = new URL('https://127.0.0.1:7420/');
const BRIDGE = { command: '/usr/bin/node', prefix: ['/opt/mcpman.js'] };

describe('ClientConnections', () => {
  let home: string;
  let tokens: FileTokenStore;

  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'mcpman-connections-'));
    tokens = new FileTokenStore(join(home, 'tokens.json'));
  });
  afterEach(async () => {
    await rm(home, { recursive: true, force: true });
  });

  const connections = (options: { ca?: string; bridge?: boolean } = {}): ClientConnections =>
    new ClientConnections({
      context: clientContext({ HOME: home, PATH: '' }, home),
      gateway: GATEWAY,
      tokens,
      ...(options.bridge === false ? {} : { bridge: BRIDGE }),
      ...(options.ca === undefined ? {} : { ca: options.ca }),
    });

  it('makes a token per client, keeps it on a second connect, and revokes it on disconnect', async () => {
    const first = await connections().connect({ client: 'cursor', server: 'memory' });
    const text = await readFile(first.path, 'utf8');
    const token = /Bearer ([^"]+)/.exec(text)?.[1];
    expect(token).toBeDefined();
    expect(await tokens.verify(token ?? '')).toMatchObject({
      name: 'client-cursor-memory',
      servers: ['memory'],
    });
    const again = await connections().connect({ client: 'cursor', server: 'memory' });
    expect(again.changed).toBe(false);
    expect(await readFile(first.path, 'utf8')).toBe(text);
    await connections().disconnect({ client: 'cursor', server: 'memory' });
    expect(await tokens.verify(token ?? '')).toBeUndefined();
  });

  it("connects a client to a profile's endpoint with a token limited to that profile", async () => {
    const url = await connections().connect({ client: 'cursor', profile: 'coding' });
    const file = JSON.parse(await readFile(url.path, 'utf8')) as {
      mcpServers: Record<string, { url: string; headers: { Authorization: string } }>;
    };
    const entry = file.mcpServers['mcpman_coding'];
    expect(entry?.url).toBe('https://127.0.0.1:7420/profiles/coding/mcp');
    const token = entry?.headers.Authorization.replace('Bearer ', '') ?? '';
    expect(await tokens.verify(token)).toMatchObject({ name: 'client-cursor_coding', profiles: ['coding'] });
    // Beside the whole gateway's entry, not instead of it; disconnect takes only its own.
    await connections().connect({ client: 'cursor' });
    await connections().disconnect({ client: 'cursor', profile: 'coding' });
    const after = JSON.parse(await readFile(url.path, 'utf8')) as { mcpServers: Record<string, unknown> };
    expect(Object.keys(after.mcpServers)).toEqual(['mcpman']);
    expect(await tokens.verify(token)).toBeUndefined();

    const bridged = await connections().connect({ client: 'claude-desktop', profile: 'coding' });
    const spawned = (
      JSON.parse(await readFile(bridged.path, 'utf8')) as { mcpServers: Record<string, unknown> }
    ).mcpServers['mcpman_coding'] as { args: string[] };
    expect(spawned.args).toEqual([
      '/opt/mcpman.js',
      'connect',
      '--profile',
      'coding',
      '--url',
      GATEWAY.toString(),
    ]);
    for (const hostile of ['../x', 'a"b', 'A', 'x'.repeat(49)])
      await expect(connections().connect({ client: 'cursor', profile: hostile }), hostile).rejects.toThrow(
        /is not a profile name/,
      );
    await expect(connections().connect({ client: 'cursor', server: 'a', profile: 'coding' })).rejects.toThrow(
      /a server or to a profile, not both/,
    );
  });

  it('gives the stdio bridge its token in MCPMAN_TOKEN', async () => {
    const change = await connections().connect({ client: 'claude-desktop' });
    expect(change.how).toBe('stdio');
    const entry = (JSON.parse(await readFile(change.path, 'utf8')) as { mcpServers: Record<string, unknown> })
      .mcpServers['mcpman'] as { command: string; args: string[]; env: { MCPMAN_TOKEN: string } };
    expect(entry.command).toBe('/usr/bin/node');
    expect(entry.args).toEqual(['/opt/mcpman.js', 'connect', '--url', GATEWAY.toString()]);
    expect((await tokens.verify(entry.env.MCPMAN_TOKEN))?.name).toBe('client-claude-desktop');
  });

  it('with a private CA, a URL client gets the bridge with --ca, and says why', async () => {
    const change = await connections({ ca: '/etc/mcpman/ca.pem' }).connect({ client: 'claude-code' });
    expect(change).toMatchObject({
      how: 'stdio',
      note: expect.stringContaining('/etc/mcpman/ca.pem') as unknown,
    });
    const entry = (JSON.parse(await readFile(change.path, 'utf8')) as { mcpServers: Record<string, unknown> })
      .mcpServers['mcpman'] as { args: string[] };
    expect(entry.args.slice(-2)).toEqual(['--ca', '/etc/mcpman/ca.pem']);
  });

  it('without a bridge, refuses a client that can only spawn a command, writing nothing', async () => {
    await expect(connections({ bridge: false }).connect({ client: 'claude-desktop' })).rejects.toThrow(
      /Claude Desktop can only spawn a command/,
    );
    await expect(readFile(join(home, '.config', 'Claude', 'claude_desktop_config.json'))).rejects.toThrow();
    expect(await tokens.list()).toEqual([]);
  });

  it('refuses an unknown client by name, listing the known ones', async () => {
    await expect(connections().connect({ client: 'notepad' })).rejects.toThrow('unknown client "notepad"');
  });

  it("finds the CA `mcpman cert dev` writes beside the gateway's certificate", async () => {
    const certs = join(home, 'certs');
    await mkdir(certs);
    const gateway = GatewayConfigSchema.parse({
      tls: { cert: 'certs/server.pem', key: 'certs/server-key.pem' },
    });
    expect(gatewayCa(gateway, home)).toBeUndefined();
    await writeFile(join(certs, 'ca.pem'), 'PEM');
    expect(gatewayCa(gateway, home)).toBe(join(certs, 'ca.pem'));
    expect(gatewayCa(GatewayConfigSchema.parse({}), home)).toBeUndefined();
    expect(gatewayCa(undefined, home, 'my-ca.pem')).toMatch(/my-ca\.pem$/);
  });

  it('writes a token only into a file no other user can read: new ones 0600, readable ones tightened and said', async () => {
    const created = await connections().connect({ client: 'cursor' });
    expect((await stat(created.path)).mode & 0o777).toBe(0o600);
    const codex = join(home, '.codex', 'config.toml');
    await mkdir(join(home, '.codex'), { recursive: true });
    await writeFile(codex, 'model = "o3"\n', { mode: 0o644 });
    await chmod(codex, 0o644);
    const tightened = await connections().connect({ client: 'codex' });
    expect((await stat(codex)).mode & 0o777).toBe(0o600);
    expect(tightened.note).toContain(
      'was readable by other users and holds a token now, so it was made 0600',
    );
    // The backup of what was there is the user's alone too.
    expect((await stat(`${codex}.mcpman.bak`)).mode & 0o777).toBe(0o600);
  });

  it('never writes a token into a project file: the entry names MCPMAN_TOKEN, the token is handed back once', async () => {
    const vscode = await connections().connect({ client: 'vscode', scope: 'project' });
    const text = await readFile(vscode.path, 'utf8');
    expect(text).toContain('"Authorization": "Bearer ${env:MCPMAN_TOKEN}"');
    expect(text).not.toMatch(/mcpman_[A-Za-z0-9]/);
    const token = vscode.environment?.['MCPMAN_TOKEN'] ?? '';
    expect(await tokens.verify(token)).toMatchObject({ name: 'client-vscode-project' });
    const claude = await connections().connect({ client: 'claude-code', scope: 'project' });
    expect(await readFile(claude.path, 'utf8')).toContain('"Authorization": "Bearer ${MCPMAN_TOKEN}"');
    // A client that cannot name a variable in a header gets the bridge, which reads it itself.
    const kiro = await connections().connect({ client: 'kiro', scope: 'project' });
    const entry = await readFile(kiro.path, 'utf8');
    expect(entry).toContain('"command": "/usr/bin/node"');
    expect(entry).not.toContain('MCPMAN_TOKEN"');
    expect(entry).not.toMatch(/mcpman_[A-Za-z0-9]/);
    expect(kiro.note).toContain('reads MCPMAN_TOKEN from the environment');
    // Disconnecting revokes the project token.
    await connections().disconnect({ client: 'vscode', scope: 'project' });
    expect(await tokens.verify(token)).toBeUndefined();
  });

  it('writes the backup without following a link planted beside a project file', async () => {
    const project = join(home, '.vscode');
    await mkdir(project, { recursive: true });
    const victim = join(home, 'victim');
    await writeFile(join(project, 'mcp.json'), '{ "servers": {} }\n');
    await symlink(victim, join(project, 'mcp.json.mcpman.bak'));
    await connections().connect({ client: 'vscode', scope: 'project' });
    await expect(readFile(victim, 'utf8')).rejects.toThrow();
    // A project client file that is itself a link is refused, not written through.
    await rm(join(project, 'mcp.json'));
    await writeFile(join(home, 'elsewhere.json'), '{}\n');
    await symlink(join(home, 'elsewhere.json'), join(project, 'mcp.json'));
    await expect(connections().connect({ client: 'vscode', scope: 'project' })).rejects.toThrow(
      /is a symbolic link/,
    );
    expect(await readFile(join(home, 'elsewhere.json'), 'utf8')).toBe('{}\n');
  });
});
