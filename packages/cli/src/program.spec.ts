import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { captureCli } from './testing/captured-cli.js';
import type { Captured } from './testing/captured-cli.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));

function cli(...argv: string[]): Promise<Captured> {
  return captureCli(argv, { cwd: repo });
}

describe('mcpman validate', () => {
  it('exits 0 for the example and names its servers', async () => {
    const result = await cli('validate', '-f', 'examples/everything.yaml');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/everything\.yaml is valid \(1 server: everything\)/);
  });

  it('exits 2 and lists all five mistakes with file, line and path', async () => {
    const result = await cli('validate', '-f', 'packages/core/test-fixtures/five-mistakes.yaml');
    expect(result.code).toBe(2);
    const lines = result.stderr.split('\n').filter((line) => line.includes('five-mistakes.yaml:'));
    expect(lines).toHaveLength(5);
    expect(result.stderr).toContain('five-mistakes.yaml:7:15 servers.everything.resourceLimits.memory');
    expect(result.stderr).toContain('(got "5 GB")');
    expect(result.stderr).toContain(
      'servers.everything.restart.policy: expected one of "no", "on-failure", "always"',
    );
  });

  it('prints machine-readable issues with --json', async () => {
    const result = await cli('validate', '-f', 'packages/core/test-fixtures/five-mistakes.yaml', '--json');
    expect(result.code).toBe(2);
    const body = JSON.parse(result.stdout) as {
      valid: boolean;
      code: string;
      issues: { path: string; line: number }[];
    };
    expect(body.valid).toBe(false);
    expect(body.code).toBe('CONFIG_INVALID');
    expect(body.issues.map((i) => i.path)).toContain('servers.everything.health.interval');
    expect(body.issues.every((i) => i.line > 0)).toBe(true);
    const ok = JSON.parse((await cli('validate', '-f', 'examples/everything.yaml', '--json')).stdout) as {
      valid: boolean;
      servers: string[];
    };
    expect(ok).toMatchObject({ valid: true, servers: ['everything'] });
  });

  it('reports malformed YAML with line and column and exits 2', async () => {
    const result = await cli('validate', '-f', 'packages/core/test-fixtures/broken.yaml');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/CONFIG_PARSE: .*broken\.yaml has \d+ problem/);
    expect(result.stderr).toMatch(/broken\.yaml:\d+:\d+ \(syntax\)/);
  });

  it('exits 1 when the file does not exist', async () => {
    const result = await cli('validate', '-f', 'nope/mcpman.yaml');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('CONFIG_NOT_FOUND');
  });
});

describe('mcpman basics', () => {
  it('prints help and version with exit 0', async () => {
    const help = await cli('--help');
    expect(help.code).toBe(0);
    for (const command of [
      'up',
      'down',
      'ls',
      'status',
      'logs',
      'add',
      'rm',
      'restart',
      'validate',
      'connect',
      'token',
      'secret',
      'client',
      'export',
      'cert',
      'bench',
    ]) {
      expect(help.stdout, command).toMatch(new RegExp(`\\n  ${command}\\b`));
    }
    const version = await cli('--version');
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('exits 2 on bad usage', async () => {
    expect((await cli('--no-such-option')).code).toBe(2);
    expect((await cli('no-such-command')).code).toBe(2);
    expect((await cli('logs')).code).toBe(2);
    expect((await cli('token', 'create')).code).toBe(2);
  });

  it('offers the benchmark, the soak run and the scale run', async () => {
    const result = await cli('bench', '--help');
    expect(result.code).toBe(0);
    for (const option of ['--quick', '--soak', '--minutes <n>', '--scale', '--only <words>'])
      expect(result.stdout).toContain(option);
  });

  it('refuses bad export k8s options before touching Podman, naming the option', async () => {
    const namespace = await cli('export', 'k8s', '--namespace', 'Not_A_Name');
    expect(namespace.code).toBe(2);
    expect(namespace.stderr).toContain('--namespace Not_A_Name: expected a Kubernetes namespace name');
    const replicas = await cli('export', 'k8s', '--replicas', '0');
    expect(replicas.code).toBe(2);
    expect(replicas.stderr).toContain('--replicas 0: expected a whole number from 1 to 100');
    const prefix = await cli('images', 'push', '--image-prefix', 'http://nope');
    expect(prefix.code).toBe(2);
    expect(prefix.stderr).toContain('--image-prefix http://nope: expected a registry');
  });
});
