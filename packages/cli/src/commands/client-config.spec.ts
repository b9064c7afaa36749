import { describe, expect, it } from 'vitest';
import { CLIENTS } from '@mcpman/shared';
import { captureCli } from '../testing/captured-cli.js';

describe('mcpman client config', () => {
  it('prints only the snippet on stdout, so `> file` writes valid JSON, and the hint on stderr', async () => {
    for (const client of CLIENTS) {
      const out = await captureCli(['client', 'config', client, '--url', 'http://127.0.0.1:7421'], {
        cwd: '/',
        env: {},
      });
      expect(out.code, out.stderr).toBe(0);
      expect(out.stdout).not.toContain('#');
      expect(out.stderr).toMatch(/^# \S/);
      if (client === 'claude-code')
        expect(out.stdout).toBe('claude mcp add --transport http mcpman http://127.0.0.1:7421/mcp\n');
      else expect(JSON.stringify(JSON.parse(out.stdout))).toContain('7421');
    }
    const desktop = JSON.parse(
      (
        await captureCli(['client', 'config', 'claude-desktop', '--url', 'http://127.0.0.1:7421'], {
          cwd: '/',
          env: {},
        })
      ).stdout,
    ) as { mcpServers: { mcpman: { command: string; args: string[] } } };
    // The CLI's own bridge, run by this Node.
    expect(desktop.mcpServers.mcpman.command).toBe(process.execPath);
    expect(desktop.mcpServers.mcpman.args.slice(1)).toEqual(['connect', '--url', 'http://127.0.0.1:7421/']);
  });
});
