import { spawn } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { REPO, cliEnv, daemonRecord, managerDir, mcpman, statusJson, stopManager } from './helpers/cli.js';
import { labelledObjects, serverContainers, sweep } from './helpers/podman.js';
import { EVERYTHING, Workspace } from './helpers/workspace.js';

const BIN = join(REPO, 'packages/cli/bin/mcpman.js');

/** Collects a child's output and resolves once `pattern` appears in it. */
function watchOutput(child: ReturnType<typeof spawn>): {
  text: () => string;
  waitFor: (pattern: RegExp, timeoutMs?: number) => Promise<void>;
} {
  let text = '';
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  const onData = (chunk: Buffer): void => {
    text += chunk.toString();
    for (const waiter of [...waiters]) {
      if (waiter.pattern.test(text)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  return {
    text: () => text,
    waitFor: (pattern, timeoutMs = 120_000) =>
      new Promise((resolve, reject) => {
        if (pattern.test(text)) {
          resolve();
          return;
        }
        const timer = setTimeout(() => {
          reject(new Error(`no ${String(pattern)} within ${timeoutMs} ms; output so far:\n${text}`));
        }, timeoutMs);
        waiters.push({
          pattern,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      }),
  };
}

function exitOf(child: ReturnType<typeof spawn>): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else
      child.once('exit', (code) => {
        resolve(code);
      });
  });
}

/**
 * Polls `/readyz` from the moment the daemon record appears until it answers 200: the first
 * 200's body, and every answer before it (status and body).
 */
async function readinessUntilReady(
  env: NodeJS.ProcessEnv,
): Promise<{ before: { status: number; body: unknown }[]; ready: unknown }> {
  const before: { status: number; body: unknown }[] = [];
  const ready = await vi.waitFor(
    async () => {
      const record = await daemonRecord(env);
      if (record === undefined) throw new Error('no daemon record yet');
      const response = await fetch(new URL('/readyz', record.url));
      const body: unknown = await response.json();
      if (response.status === 200) return body;
      before.push({ status: response.status, body });
      throw new Error(`/readyz answered ${response.status}`);
    },
    { timeout: 120_000, interval: 10 },
  );
  return { before, ready };
}

describe('mcpman commands', () => {
  let workspace: Workspace;
  const children: ReturnType<typeof spawn>[] = [];

  beforeAll(async () => {
    await sweep();
    workspace = await Workspace.create();
  });

  afterEach(() => {
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  });

  afterAll(async () => {
    await sweep();
    await workspace.dispose();
  });

  it('up in the foreground prints progress, serves until Ctrl-C, then removes what it created', async () => {
    const env = cliEnv();
    const config = await workspace.write(
      'foreground.yaml',
      `version: 1\ngateway: { listen: 127.0.0.1:0, grpc: { listen: 127.0.0.1:0 } }\nservers:\n  fg:\n    source: ${EVERYTHING}\n`,
    );
    const child = spawn(process.execPath, [BIN, 'up', '-f', config], { env, cwd: REPO });
    children.push(child);
    const output = watchOutput(child);
    // The listener is up before the config is applied: /readyz must not call an empty server
    // list ready. Polled from the moment the daemon record names the URL until it says ready.
    const readiness = await readinessUntilReady(env);
    expect(readiness.before.length).toBeGreaterThan(0);
    for (const answer of readiness.before) {
      expect(answer).toMatchObject({ status: 503, body: { ready: false } });
    }
    expect(readiness.ready).toEqual({ ready: true, servers: { fg: 'ready' } });
    await output.waitFor(/1\/1 servers ready; Ctrl-C stops them/);
    expect(output.text()).toMatch(/fg\s+starting\s+starting container/);
    expect(output.text()).toMatch(/fg\s+ready\s+ready \(2025-11-25/);
    expect((await daemonRecord(env))?.pid).toBe(child.pid);
    expect(await serverContainers('fg')).toHaveLength(1);
    child.kill('SIGINT');
    expect(await exitOf(child)).toBe(0);
    expect(output.text()).toContain('stopping (SIGINT)');
    expect(await labelledObjects()).toEqual({ containers: [], networks: [], volumes: [] });
    expect(await daemonRecord(env)).toBeUndefined();
  });

  describe('with a manager running in the background', () => {
    const env = cliEnv();
    let config: string;

    beforeAll(async () => {
      // With TLS on: every command below reaches the manager over its owner-only socket.
      const certs = await mcpman(env, ['cert', 'dev', '--dir', 'certs'], { cwd: workspace.dir });
      expect(certs.code, certs.stderr).toBe(0);
      expect(certs.stdout).toContain(`cert: ${join(workspace.dir, 'certs/server.pem')}`);
      config = await workspace.write(
        'mcpman.yaml',
        `version: 1\ngateway:\n  listen: 127.0.0.1:0\n  grpc: { listen: 127.0.0.1:0 }\n  tls: { cert: certs/server.pem, key: certs/server-key.pem }\nlogging: { servers: { first: warn } }\nservers:\n  first:\n    source: ${EVERYTHING}\n`,
      );
      const up = await mcpman(env, ['up', '--detach', '-f', config], { cwd: workspace.dir });
      expect(up.code, up.stderr).toBe(0);
    });

    it('serves TLS to clients and the management API on an owner-only socket', async () => {
      const record = (await daemonRecord(env))!;
      expect(record.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/$/);
      expect(record.socket).toBe(join(managerDir(env, config), 'mcpman.sock'));
      expect((await stat(record.socket!)).mode & 0o777).toBe(0o600);
      const again = await mcpman(env, ['cert', 'dev', '--dir', 'certs'], { cwd: workspace.dir });
      expect(again.code, again.stderr).toBe(2);
      expect(again.stderr).toContain('already holds certificates');
      const client = new Client({ name: 'desktop', version: '1' });
      await client.connect(
        new StdioClientTransport({
          command: process.execPath,
          args: [BIN, 'connect', 'first', '--ca', join(workspace.dir, 'certs/ca.pem')],
          env: env as Record<string, string>,
          stderr: 'pipe',
        }),
      );
      try {
        const result = await client.callTool({ name: 'echo', arguments: { message: 'over wss' } });
        expect(JSON.stringify(result.content)).toContain('Echo: over wss');
      } finally {
        await client.close();
      }
    });

    afterAll(async () => {
      await stopManager(env);
    });

    it('add puts a server in the config and the manager starts it', async () => {
      const add = await mcpman(env, ['add', EVERYTHING, '--name', 'second', '--arg', 'stdio'], {
        cwd: workspace.dir,
      });
      expect(add.code, add.stderr).toBe(0);
      expect(add.stdout).toContain(`added second (${EVERYTHING}) to ${config}`);
      expect(await readFile(config, 'utf8')).toMatch(
        /second:\n\s+source: npx:\/\/@modelcontextprotocol\/server-everything@2026\.8\.31\n\s+args:\n\s+- stdio/,
      );
      await expect
        .poll(async () => (await statusJson(env)).servers.find((s) => s.name === 'second')?.state, {
          timeout: 60_000,
        })
        .toBe('ready');
      const again = await mcpman(env, ['add', EVERYTHING, '--name', 'second'], { cwd: workspace.dir });
      expect(again.code, again.stderr).toBe(2);
      expect(again.stderr).toContain('a server named "second" is already configured');
      const bad = await mcpman(env, ['add', 'uvx://mcp-server-fetch'], { cwd: workspace.dir });
      expect(bad.code, bad.stderr).toBe(2);
      expect(bad.stderr).toContain('uvx:// is written pypi://<package>[@<version>] here');
    });

    it('keeps a structured JSON log with each server at its own level', async () => {
      const file = join(managerDir(env, config), 'mcpman.log');
      const entries = async (): Promise<Record<string, unknown>[]> =>
        (await readFile(file, 'utf8'))
          .split('\n')
          .filter((line) => line !== '')
          .map((line) => JSON.parse(line) as Record<string, unknown>);
      const all = await entries();
      expect(all.find((e) => e['msg'] === 'manager started')).toMatchObject({
        component: 'manager',
        level: 'info',
      });
      for (const server of ['first', 'second'])
        expect(
          all.some((e) => e['component'] === 'runtime' && e['server'] === server && e['state'] === 'ready'),
        ).toBe(true);
      // second's output is logged at info; first is set to warn, so its info lines are not.
      expect(
        all.some(
          (e) => e['component'] === 'server' && e['server'] === 'second' && /Starting/.test(String(e['msg'])),
        ),
      ).toBe(true);
      expect(all.filter((e) => e['component'] === 'server' && e['server'] === 'first')).toEqual([]);
      for (const entry of all) expect(Number.isNaN(Date.parse(String(entry['time'])))).toBe(false);
    });

    it('ls --json and status show both servers', async () => {
      const ls = await mcpman(env, ['ls', '--json'], { cwd: workspace.dir });
      expect(ls.code, ls.stderr).toBe(0);
      const servers = (
        JSON.parse(ls.stdout) as { servers: { name: string; state: string; transport: string }[] }
      ).servers;
      expect(servers.map((s) => [s.name, s.state, s.transport])).toEqual([
        ['first', 'ready', 'stdio'],
        ['second', 'ready', 'stdio'],
      ]);
      const status = await mcpman(env, ['status'], { cwd: workspace.dir });
      expect(status.stdout).toContain('2/2 ready');
      const one = await mcpman(env, ['status', 'second', '--json'], { cwd: workspace.dir });
      expect((JSON.parse(one.stdout) as { status: { state: string } }).status.state).toBe('ready');
    });

    it('restart restarts one server and logs -f follows it across the restart', async () => {
      const follower = spawn(process.execPath, [BIN, 'logs', '-f', 'second'], { env, cwd: workspace.dir });
      children.push(follower);
      const output = watchOutput(follower);
      await output.waitFor(/Starting default \(STDIO\) server/);
      const before = output.text().match(/Starting default/g)?.length ?? 0;
      const restart = await mcpman(env, ['restart', 'second'], { cwd: workspace.dir });
      expect(restart.code, `${restart.stdout}${restart.stderr}`).toBe(0);
      // The outcome comes last; a retried first attempt would print its steps before it.
      expect(restart.stdout).toMatch(/(^|\n)second: ready: ready [^\n]*\n$/);
      expect(restart.stdout).not.toMatch(/failed|restart \d+ of/);
      expect((await statusJson(env)).servers.find((s) => s.name === 'second')?.restarts).toBe(1);
      await expect
        .poll(() => output.text().match(/Starting default/g)?.length ?? 0, { timeout: 20_000 })
        .toBe(before + 1);
      expect(output.text()).toMatch(
        /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z Starting default \(STDIO\) server\.\.\./m,
      );
      follower.kill('SIGINT');
      expect(await exitOf(follower)).toBe(0);
      const missing = await mcpman(env, ['restart', 'nope'], { cwd: workspace.dir });
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain('SERVER_NOT_FOUND');
    });

    it('rm removes the server from the config and its container', async () => {
      const rm = await mcpman(env, ['rm', 'second'], { cwd: workspace.dir });
      expect(rm.code, rm.stderr).toBe(0);
      expect(await readFile(config, 'utf8')).not.toContain('second');
      await expect.poll(() => serverContainers('second'), { timeout: 30_000 }).toEqual([]);
      expect((await statusJson(env)).servers.map((s) => s.name)).toEqual(['first']);
    });
  });
});
