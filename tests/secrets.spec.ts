import { createHash, randomBytes } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineClient, McpRuntime, containerName, loadConfigFile, ownerForConfig } from '@mcpman/core';
import { serverLogDir } from '@mcpman/protocol';
import { cliEnv, mcpman } from './helpers/cli.js';
import { inspect, nodeBaseImage, podman, sweep } from './helpers/podman.js';
import { EVERYTHING, Workspace } from './helpers/workspace.js';
import { Witness } from './helpers/witness.js';

const SECRET_NAME = `mcpman-test-${randomBytes(3).toString('hex')}`;
const SECRET_VALUE = `s3cr3t-${randomBytes(12).toString('hex')}`;

/**
 * A minimal MCP server on stdio that logs a hash of TOKEN to stderr, and then, as a careless
 * server would, TOKEN itself: the manager must redact it wherever it shows server output.
 */
const TINY_SERVER = [
  "const h=require('crypto').createHash('sha256').update(process.env.TOKEN||'').digest('hex');console.error('token-sha256 '+h);",
  "console.error('careless: TOKEN='+process.env.TOKEN);",
  "require('readline').createInterface({input:process.stdin}).on('line',l=>{const m=JSON.parse(l);if(m.id===undefined)return;",
  "const r=m.method==='initialize'?{protocolVersion:'2025-11-25',capabilities:{},serverInfo:{name:'tiny',version:'1'}}:m.method==='ping'?{}:null;",
  "process.stdout.write(JSON.stringify(r?{jsonrpc:'2.0',id:m.id,result:r}:{jsonrpc:'2.0',id:m.id,error:{code:-32601,message:'no'}})+'\\n')})",
].join('');

/**
 * A secret reaches the server as an environment variable, and its value appears nowhere else:
 * not in the config, labels, `podman inspect`, logs, events, command output or error messages.
 */
describe('secrets', () => {
  const env = cliEnv();
  let workspace: Workspace;
  let runtime: McpRuntime;
  const owner = (): ReturnType<typeof ownerForConfig> => ownerForConfig(workspace.path('mcpman.yaml'));
  const logDir = (): string => serverLogDir(owner().id, env);
  /** Everything a user or an attacker could read, collected as the test goes. */
  const witness = new Witness();

  beforeAll(async () => {
    await sweep();
    workspace = await Workspace.create();
    const base = await nodeBaseImage();
    await workspace.write(
      'mcpman.yaml',
      `version: 1
servers:
  viaLauncher:
    source: ${EVERYTHING}
    secrets: { API_TOKEN: ${SECRET_NAME} }
  viaShell:
    source: image:${base}
    entrypoint: [/usr/local/bin/node, -e, ${JSON.stringify(TINY_SERVER)}]
    secrets: { TOKEN: ${SECRET_NAME} }
`
        .replace(/viaLauncher/g, 'via-launcher')
        .replace(/viaShell/g, 'via-shell'),
    );
  });

  afterAll(async () => {
    await runtime.down().catch(() => undefined);
    runtime.dispose();
    await mcpman(env, ['secret', 'rm', SECRET_NAME]).catch(() => undefined);
    await sweep();
    await workspace.dispose();
  });

  it('stores a secret from stdin, never echoing it', async () => {
    const set = await mcpman(env, ['secret', 'set', SECRET_NAME], {
      input: `${SECRET_VALUE}\n`,
      cwd: workspace.dir,
    });
    witness.seeCli('secret set', set);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toContain(`stored secret ${SECRET_NAME} (${SECRET_VALUE.length} bytes)`);
    const ls = await mcpman(env, ['secret', 'ls', '--json'], { cwd: workspace.dir });
    witness.seeCli('secret ls', ls);
    const listed = (JSON.parse(ls.stdout) as { secrets: { name: string; usedBy: string[] }[] }).secrets.find(
      (s) => s.name === SECRET_NAME,
    );
    expect(listed?.usedBy.sort()).toEqual(['via-launcher', 'via-shell']);
    witness.see('podman secret inspect', await podman('secret', 'inspect', SECRET_NAME));
  });

  it('refuses a value given any other way than stdin or a prompt, and says so without the value', async () => {
    const empty = await mcpman(env, ['secret', 'set', SECRET_NAME], { input: '' });
    witness.seeCli('secret set empty', empty);
    expect(empty.code, empty.stderr).toBe(1);
    expect(empty.stderr).toContain('SECRET_INVALID: the secret value is empty');
    const badName = await mcpman(env, ['secret', 'set', 'bad name!'], { input: SECRET_VALUE });
    witness.seeCli('secret set bad name', badName);
    expect(badName.code, badName.stderr).toBe(1);
    const asArgument = await mcpman(env, ['secret', 'set', SECRET_NAME, SECRET_VALUE]);
    expect(asArgument.code, asArgument.stderr).toBe(2);
  });

  it('reaches both kinds of server as an environment variable', async () => {
    // As `mcpman up` in the workspace would: its owner, so `mcpman logs` there finds the logs.
    runtime = new McpRuntime({
      engine: await EngineClient.connect(),
      owner: owner(),
      clientInfo: { name: 'mcpman-test', version: '0' },
      logDir: logDir(),
    });
    runtime.bus.on((event) => {
      witness.see('manager events', JSON.stringify(event));
    });
    await runtime.apply(await loadConfigFile(workspace.path('mcpman.yaml')));
    expect(runtime.status().map((s) => [s.name, s.state])).toEqual([
      ['via-launcher', 'ready'],
      ['via-shell', 'ready'],
    ]);
    // npx image: the launcher sets API_TOKEN from the secret file; server-everything shows its env.
    const serverEnv = await runtime
      .get('via-launcher')!
      .peer!.request('tools/call', { name: 'get-env', arguments: {} });
    const envText = JSON.stringify(serverEnv);
    expect(envText).toContain(SECRET_VALUE);
    expect(envText).not.toContain('MCPMAN_SECRET_ENV');
    // image: source: the shell wrapper exported TOKEN; the server logged its hash.
    const expected = createHash('sha256').update(SECRET_VALUE).digest('hex');
    const logs = await mcpman(env, ['logs', 'via-shell'], { cwd: workspace.dir });
    witness.seeCli('mcpman logs via-shell', logs);
    expect(logs.stdout).toContain(`token-sha256 ${expected}`);
    // The line that printed the value is there, with the value masked.
    expect(logs.stdout).toMatch(/careless: TOKEN=\S*REDACTED/i);
  });

  it('appears in no config, label, inspect output, log, event or message', async () => {
    witness.see('config file', await readFile(workspace.path('mcpman.yaml'), 'utf8'));
    for (const name of ['via-launcher', 'via-shell'].map((server) => containerName(owner().id, server))) {
      const { parsed, raw } = await inspect(name);
      witness.see(`podman inspect ${name}`, raw);
      witness.see(`labels ${name}`, JSON.stringify(parsed.Config.Labels));
      expect(parsed.Config.Env.join('\n')).not.toMatch(/(^|\n)(API_TOKEN|TOKEN)=/);
    }
    witness.seeCli(
      'mcpman logs via-launcher',
      await mcpman(env, ['logs', 'via-launcher'], { cwd: workspace.dir }),
    );
    // The engine keeps no log of a stdio server: its stdout is the MCP traffic (get-env's
    // answer above held the secret), so it must never reach a log file.
    await expect(podman('logs', containerName(owner().id, 'via-launcher'))).rejects.toThrow(
      /not logging output/,
    );
    for (const file of await readdir(logDir()))
      witness.see(`log file ${file}`, await readFile(join(logDir(), file), 'utf8'));
    expect(witness.observed.length).toBeGreaterThan(15);
    const leaks = witness.leaksOf(SECRET_VALUE);
    expect(leaks).toEqual([]);
  });
});
