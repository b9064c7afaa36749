import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLIENT_CATALOG, clientSpec } from './catalog.js';
import type { ClientSpec, Places } from './catalog.js';
import { clientFile, clientState, connectClient, disconnectClient } from './connector.js';
import type { ClientContext, ConnectRequest } from './connector.js';

const GATEWAY = new URL('http://127.0.0.1:7420/');
const REQUEST: ConnectRequest = {
  scope: 'user',
  gateway: GATEWAY,
  bridge: { command: '/usr/bin/node', prefix: ['/opt/mcpman.js'] },
};

/** A file as a user of each client has it: other servers, settings around them, comments where the format has them. */
function realisticFile(spec: ClientSpec): string {
  const [outer = 'mcpServers'] = spec.container;
  switch (spec.formatName) {
    case 'jsonc':
      return `{\n  // my editor settings\n  "editor.fontSize": 14,\n  "${outer}": {\n    /* the one I use every day */\n    "other": { "command": "npx", "args": ["-y", "other-server"] }\n  },\n  "theme": "dark", // trailing comment\n}\n`;
    case 'json':
      return `{\n    "numStartups": 3,\n    "${outer}": {\n        "other": {\n            "command": "npx",\n            "args": ["-y", "other-server"]\n        }\n    },\n    "tipsHistory": {}\n}\n`;
    case 'yaml':
      return spec.list === true
        ? `name: My config # shown in the UI\nversion: 1.0.0\nmodels:\n  - name: local\n    provider: ollama\n\n# tools\n${outer}:\n  - name: other\n    command: npx\n    args: [-y, other-server]\n`
        : `GOOSE_PROVIDER: openai # the default\n${outer}:\n  developer:\n    enabled: true\n    name: developer\n    type: builtin\n`;
    case 'toml':
      return `# Codex settings\nmodel = "o3" # fast enough\n\n[${outer}.other]\ncommand = "npx"\nargs = ["-y", "other-server"]\n\n[profiles.fast]\nmodel = "gpt-5"\n`;
  }
}

function malformed(spec: ClientSpec): string {
  switch (spec.formatName) {
    case 'yaml':
      return 'key: [unclosed\nother: 1\n';
    case 'toml':
      return 'model = \n[broken\n';
    default:
      return '{\n  "mcpServers": {\n    "other": { "command": }\n  }\n}\n';
  }
}

describe('connecting clients', () => {
  let home: string;
  let context: ClientContext;

  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'mcpman-clients-'));
    const places: Places = {
      platform: 'linux',
      home,
      appData: join(home, 'AppData'),
      xdgConfig: join(home, '.config'),
    };
    context = {
      places,
      cwd: join(home, 'project'),
      env: { PATH: '' },
      stateFile: join(home, 'state', 'clients.json'),
    };
  });
  afterEach(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('knows at least 20 clients', () => {
    expect(CLIENT_CATALOG.length).toBeGreaterThanOrEqual(20);
    expect(new Set(CLIENT_CATALOG.map((c) => c.id)).size).toBe(CLIENT_CATALOG.length);
  });

  for (const spec of CLIENT_CATALOG) {
    it(`${spec.id}: connects, changes nothing else, is idempotent, and disconnects back to the same bytes`, async () => {
      const scope = spec.userFile(context.places) === undefined ? 'project' : 'user';
      const path = clientFile(spec, scope, context);
      const original = realisticFile(spec);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, original);

      const first = await connectClient(spec, { ...REQUEST, scope }, context);
      expect(first.changed).toBe(true);
      const connected = await readFile(path, 'utf8');
      expect(await spec.format.problem(connected)).toBeUndefined();
      const expected = spec.entry(
        spec.transport === 'url'
          ? { kind: 'url', url: 'http://127.0.0.1:7420/mcp', headers: {} }
          : {
              kind: 'stdio',
              command: '/usr/bin/node',
              args: ['/opt/mcpman.js', 'connect', '--url', 'http://127.0.0.1:7420/'],
            },
        'mcpman',
      );
      const entries = await spec.format.get(connected, spec.container);
      const ours = Array.isArray(entries)
        ? (entries as { name?: string }[]).find((e) => e.name === 'mcpman')
        : (entries as Record<string, unknown>)['mcpman'];
      expect(ours).toEqual(expected);
      // The other server is still there, as it was.
      expect(JSON.stringify(entries)).toMatch(/other|developer/);
      expect(await readFile(`${path}.mcpman.bak`, 'utf8')).toBe(original);

      const again = await connectClient(spec, { ...REQUEST, scope }, context);
      expect(again.changed).toBe(false);
      expect(await readFile(path, 'utf8')).toBe(connected);

      if (scope === 'user') {
        const state = await clientState(spec, context);
        expect(state.installed).toBe(true);
        expect(state.connected).toEqual([
          expect.objectContaining({ entry: 'mcpman', how: spec.transport, token: false }),
        ]);
      }

      const removed = await disconnectClient(spec, { scope }, context);
      expect(removed.changed).toBe(true);
      expect(await readFile(path, 'utf8')).toBe(original);
    });

    it(`${spec.id}: refuses a file that does not parse, with its line and column, and leaves it untouched`, async () => {
      const scope = spec.userFile(context.places) === undefined ? 'project' : 'user';
      const path = clientFile(spec, scope, context);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, malformed(spec));
      await expect(connectClient(spec, { ...REQUEST, scope }, context)).rejects.toThrow(
        new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: .*left untouched`),
      );
      expect(await readFile(path, 'utf8')).toBe(malformed(spec));
      expect(existsSync(`${path}.mcpman.bak`)).toBe(false);
    });
  }

  it('creates a missing file (and its folder), and removes both the entry and the file on disconnect', async () => {
    for (const id of ['cursor', 'continue', 'codex']) {
      const spec = clientSpec(id)!;
      const path = clientFile(spec, 'user', context);
      await connectClient(spec, REQUEST, context);
      expect(existsSync(path)).toBe(true);
      expect(existsSync(`${path}.mcpman.bak`)).toBe(false);
      await disconnectClient(spec, { scope: 'user' }, context);
      expect(existsSync(path), `${id} file removed`).toBe(false);
    }
  });

  it('one server instead of /mcp, with headers; the project scope where the client has one', async () => {
    const spec = clientSpec('vscode')!;
    await connectClient(
      spec,
      { ...REQUEST, scope: 'project', server: 'memory', headers: { Authorization: 'Bearer t' } },
      context,
    );
    const text = await readFile(join(context.cwd, '.vscode', 'mcp.json'), 'utf8');
    expect(JSON.parse(text)).toEqual({
      servers: {
        'mcpman-memory': {
          type: 'http',
          url: 'http://127.0.0.1:7420/servers/memory/mcp',
          headers: { Authorization: 'Bearer t' },
        },
      },
    });
    await expect(
      connectClient(clientSpec('windsurf')!, { ...REQUEST, scope: 'project' }, context),
    ).rejects.toThrow('Windsurf has no project file; use --scope user');
  });

  it('puts each file where the client looks for it on Linux, macOS and Windows', () => {
    const at = (platform: Places['platform'], id: string): string | undefined =>
      clientSpec(id)?.userFile({
        platform,
        home: '/h',
        appData: 'C:\\Users\\me\\AppData\\Roaming',
        xdgConfig: '/h/.config',
      });
    expect(at('linux', 'claude-desktop')).toBe('/h/.config/Claude/claude_desktop_config.json');
    expect(at('darwin', 'claude-desktop')).toBe(
      '/h/Library/Application Support/Claude/claude_desktop_config.json',
    );
    expect(at('win32', 'claude-desktop')).toBe(
      'C:\\Users\\me\\AppData\\Roaming\\Claude\\claude_desktop_config.json',
    );
    expect(at('darwin', 'vscode')).toBe('/h/Library/Application Support/Code/User/mcp.json');
    expect(at('linux', 'codex')).toBe('/h/.codex/config.toml');
    expect(at('linux', 'visual-studio')).toBeUndefined();
  });
});
