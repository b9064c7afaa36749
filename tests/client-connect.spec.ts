import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { cliEnv, mcpman, startForeground } from './helpers/cli.js';
import type { ForegroundManager } from './helpers/cli.js';
import { HostEverything } from './helpers/remote-server.js';
import { npmTool, runWithNode22 } from './helpers/tools.js';
import { Workspace } from './helpers/workspace.js';

function text(result: unknown): string {
  const content = (result as { content?: { text?: string }[] }).content ?? [];
  return content.map((part) => part.text ?? '').join('');
}

/**
 * `mcpman client connect` read back by real clients: the MCP Inspector CLI from the written
 * Claude Code file (its `mcpServers` format), and the SDK's stdio client spawning the bridge
 * from the written Claude Desktop entry, against a gateway with token auth.
 */
describe('mcpman client connect, read by real clients', () => {
  let workspace: Workspace;
  let everything: HostEverything;
  let gateway: ForegroundManager;
  let env: NodeJS.ProcessEnv;
  let config: string;
  let home: string;

  beforeAll(async () => {
    workspace = await Workspace.create('mcpman-clients-');
    home = workspace.path('home');
    await mkdir(join(home, '.config', 'Claude'), { recursive: true });
    // A Claude Code user file as it is in real life: other settings, another server.
    await writeFile(
      join(home, '.claude.json'),
      '{\n  "numStartups": 12,\n  "mcpServers": {\n    "other": { "command": "npx", "args": ["-y", "other"] }\n  }\n}\n',
    );
    everything = await HostEverything.start('streamableHttp');
    config = await workspace.write(
      'mcpman.yaml',
      `version: 1\ngateway:\n  listen: 127.0.0.1:0\n  grpc: { enabled: false }\n  auth: { mode: token }\nservers:\n  everything: { url: "${everything.url}" }\n`,
    );
    env = { ...cliEnv(), HOME: home };
    gateway = await startForeground(env, ['gateway', '-f', config]);
  }, 120_000);

  afterAll(async () => {
    await gateway.stop().catch(() => undefined);
    await everything.kill();
    await workspace.dispose();
  });

  async function connected(): Promise<{ claudeCode: string; desktop: Record<string, unknown> }> {
    const claudeCode = await readFile(join(home, '.claude.json'), 'utf8');
    const desktop = JSON.parse(
      await readFile(join(home, '.config', 'Claude', 'claude_desktop_config.json'), 'utf8'),
    ) as { mcpServers: Record<string, Record<string, unknown>> };
    return { claudeCode, desktop: desktop.mcpServers['mcpman'] ?? {} };
  }

  it('lists the clients, connects two, and both reach the gateway with the token made for them', async () => {
    const listed = await mcpman(env, ['client', 'ls', '--json']);
    const clients = (JSON.parse(listed.stdout) as { clients: { id: string; installed: boolean }[] }).clients;
    expect(clients.length).toBeGreaterThanOrEqual(20);
    // Found by its folder, and by its file.
    expect(clients.filter((c) => c.installed).map((c) => c.id)).toEqual(['claude-desktop', 'claude-code']);

    const url = gateway.url.toString();
    const result = await mcpman(env, [
      'client',
      'connect',
      'claude-code',
      'claude-desktop',
      '-f',
      config,
      '--url',
      url,
    ]);
    expect(result.code, result.stderr).toBe(0);
    const { claudeCode, desktop } = await connected();
    expect(claudeCode).toContain(
      '"numStartups": 12,\n  "mcpServers": {\n    "other": { "command": "npx", "args": ["-y", "other"] },',
    );

    // The MCP Inspector reads the file we wrote and lists the gateway's tools through it.
    const inspector = `${await npmTool('@modelcontextprotocol/inspector@2.12.0')}/clients/launcher/build/index.js`;
    const tools = await runWithNode22(
      inspector,
      [
        '--cli',
        '--config',
        join(home, '.claude.json'),
        '--server',
        'mcpman',
        '--method',
        'tools/list',
        '--format',
        'json',
      ],
      { home: workspace.path('inspector-home') },
    );
    expect(tools.code, tools.stderr).toBe(0);
    expect(tools.stdout).toContain('everything__echo');

    // The SDK's stdio client spawns the bridge exactly as the written entry says.
    const client = new Client({ name: 'desktop-stand-in', version: '1' });
    const transport = new StdioClientTransport({
      command: desktop['command'] as string,
      args: desktop['args'] as string[],
      env: { ...(process.env as Record<string, string>), ...(desktop['env'] as Record<string, string>) },
      stderr: 'pipe',
    });
    let bridgeErrors = '';
    transport.stderr?.on('data', (chunk: Buffer) => (bridgeErrors += chunk.toString()));
    await client.connect(transport).catch((error: unknown) => {
      throw new Error(`the bridge did not start: ${String(error)}\n${bridgeErrors}`);
    });
    try {
      expect(
        text(await client.callTool({ name: 'everything__echo', arguments: { message: 'via the file' } })),
      ).toBe('Echo: via the file');
    } finally {
      await client.close();
    }
  }, 300_000);

  it('disconnects: the files are as they were, and the token no longer works', async () => {
    const token = /Bearer ([^"]+)/.exec((await connected()).claudeCode)?.[1];
    expect(token).toBeDefined();
    const before = await fetch(new URL('/mcp', gateway.url), {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    expect(before.status).not.toBe(401);
    const result = await mcpman(env, ['client', 'disconnect', 'claude-code', 'claude-desktop', '-f', config]);
    expect(result.code, result.stderr).toBe(0);
    expect(await readFile(join(home, '.claude.json'), 'utf8')).toBe(
      '{\n  "numStartups": 12,\n  "mcpServers": {\n    "other": { "command": "npx", "args": ["-y", "other"] }\n  }\n}\n',
    );
    // Claude Desktop's file did not exist before connect made it: it is gone again.
    expect(existsSync(join(home, '.config', 'Claude', 'claude_desktop_config.json'))).toBe(false);
    const after = await fetch(new URL('/mcp', gateway.url), {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    expect(after.status).toBe(401);
  });
});
