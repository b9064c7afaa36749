import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('..', import.meta.url));

/** Runs the installed bin the way the README tells users to: `npx mcpman …` from the repository. */
async function npxMcpman(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('npx', ['--no-install', 'mcpman', ...args], { cwd: repo });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('the mcpman binary', () => {
  it('validates examples/everything.yaml with exit 0', async () => {
    const result = await npxMcpman('validate', '-f', 'examples/everything.yaml');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('is valid');
  });

  it('exits 2 with all five mistakes for an invalid file', async () => {
    const result = await npxMcpman('validate', '-f', 'packages/core/test-fixtures/five-mistakes.yaml');
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr.match(/five-mistakes\.yaml:\d+:\d+ servers\./g)).toHaveLength(5);
  });
});
