import { createHash, randomBytes } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { containerName, ownerForConfig } from '@mcpman/core';
import { cliEnv, daemonLog, daemonRecord, managerDir, mcpman, stopManager } from './helpers/cli.js';
import { inspect, nodeBaseImage, sweep } from './helpers/podman.js';
import { Workspace } from './helpers/workspace.js';
import { Witness } from './helpers/witness.js';

const SECRET_NAME = `mcpman-hdr-${randomBytes(3).toString('hex')}`;
const SECRET_VALUE = `ghp_${randomBytes(16).toString('hex')}`;

/**
 * An MCP server over Streamable HTTP (JSON answers) that refuses every request whose
 * Authorization header does not hash to EXPECTED (so it never holds the token itself), logs the
 * header it got to stderr, and has a tool `leak` whose error quotes that header: a careless
 * upstream, to prove the gateway redacts what it sent.
 */
const HEADER_SERVER = [
  "const c=require('crypto'),h=require('http');",
  "const ok=a=>c.createHash('sha256').update(a||'').digest('hex')===process.env.EXPECTED;",
  "const srv=h.createServer((q,s)=>{let b='';q.on('data',d=>b+=d);q.on('end',()=>{",
  "const a=q.headers.authorization;if(q.method!=='POST'){s.writeHead(405).end();return}",
  "if(!ok(a)){console.error('refused '+a);s.writeHead(401,{'content-type':'application/json'}).end('{}');return}",
  'const m=JSON.parse(b);if(m.id===undefined){s.writeHead(202).end();return}',
  "if(m.method==='initialize')console.error('authorized with '+a);",
  "const send=o=>s.writeHead(200,{'content-type':'application/json'}).end(JSON.stringify(Object.assign({jsonrpc:'2.0',id:m.id},o)));",
  "if(m.method==='initialize')send({result:{protocolVersion:'2025-11-25',capabilities:{tools:{}},serverInfo:{name:'hdr',version:'1'}}});",
  "else if(m.method==='ping')send({result:{}});",
  "else if(m.method==='tools/list')send({result:{tools:[{name:'leak',inputSchema:{type:'object'}}]}});",
  "else if(m.method==='tools/call')send({error:{code:-32000,message:'upstream rejected credentials: '+a}});",
  "else send({error:{code:-32601,message:'no'}})})});",
  // DELAY: a server slow to listen, so the gateway's first handshake is refused and retried.
  "setTimeout(()=>srv.listen(3000,'0.0.0.0'),Number(process.env.DELAY||0))",
].join('');

/**
 * Header templates for HTTP upstreams (`Authorization: Bearer ${secret:NAME}`): the value is
 * read from the Podman secret, sent to the server, and redacted from everything a user or an
 * attacker could read: command output, the daemon's log, server logs, the management API, the
 * audit log, errors that reach clients, and `podman inspect`. The headers go along on every
 * upstream session: the first, one retried after a refused connection (`late` listens only after
 * a while), and each client's own with `sessionMode: per-client` (`pc`).
 */
describe('secrets in header templates of HTTP upstreams', () => {
  const env = cliEnv();
  let workspace: Workspace;
  let config: string;
  /** Everything a user or an attacker could read, collected as the test goes. */
  const witness = new Witness();

  beforeAll(async () => {
    await sweep();
    workspace = await Workspace.create();
    const expected = createHash('sha256').update(`Bearer ${SECRET_VALUE}`).digest('hex');
    config = await workspace.write(
      'mcpman.yaml',
      `version: 1
gateway: { listen: 127.0.0.1:0, grpc: { listen: 127.0.0.1:0 } }
servers:
  hdr:
    source: image:${await nodeBaseImage()}
    entrypoint: [/usr/local/bin/node, -e, ${JSON.stringify(HEADER_SERVER)}]
    env: { EXPECTED: ${expected} }
    transport:
      type: http
      port: 3000
      headers: { Authorization: "Bearer \${secret:${SECRET_NAME}}" }
    securityPolicies: { network: bridge }
  late:
    source: image:${await nodeBaseImage()}
    entrypoint: [/usr/local/bin/node, -e, ${JSON.stringify(HEADER_SERVER)}]
    env: { EXPECTED: ${expected}, DELAY: "3000" }
    transport:
      type: http
      port: 3000
      headers: { Authorization: "Bearer \${secret:${SECRET_NAME}}" }
    securityPolicies: { network: bridge }
  pc:
    source: image:${await nodeBaseImage()}
    entrypoint: [/usr/local/bin/node, -e, ${JSON.stringify(HEADER_SERVER)}]
    env: { EXPECTED: ${expected} }
    sessionMode: per-client
    transport:
      type: http
      port: 3000
      headers: { Authorization: "Bearer \${secret:${SECRET_NAME}}" }
    securityPolicies: { network: bridge }
`,
    );
  });

  afterAll(async () => {
    await stopManager(env);
    await mcpman(env, ['secret', 'rm', SECRET_NAME]).catch(() => undefined);
    await sweep();
    await workspace.dispose();
  });

  it('says which secret is missing before it is stored', async () => {
    const up = await mcpman(env, ['up', '--detach', '-f', config]);
    witness.seeCli('up without secret', up);
    expect(up.code).toBe(1);
    expect(up.stdout).toContain(`secret ${SECRET_NAME} not stored`);
    await stopManager(env);
  });

  it('fills the header from the secret: the server accepts the gateway', async () => {
    const set = await mcpman(env, ['secret', 'set', SECRET_NAME], { input: SECRET_VALUE });
    witness.seeCli('secret set', set);
    expect(set.code, set.stderr).toBe(0);
    const up = await mcpman(env, ['up', '--detach', '-f', config]);
    witness.seeCli('up', up);
    expect(up.code, up.stdout).toBe(0);
    expect(up.stdout).toMatch(/hdr\s+ready/);
    // Its first handshake was refused (not listening yet); the retry carried the header too.
    expect(up.stdout).toMatch(/late\s+ready/);
    expect(up.stdout).toMatch(/pc\s+ready/);
    const late = await mcpman(env, ['logs', 'late']);
    expect(late.stdout).toContain('authorized with Bearer [REDACTED]');
    expect(late.stdout).not.toContain('refused');
  });

  it('sends the header on each client session of a per-client server', async () => {
    const record = await daemonRecord(env);
    for (const name of ['first', 'second']) {
      const client = new Client({ name, version: '1' });
      await client.connect(new StreamableHTTPClientTransport(new URL('servers/pc/mcp', record!.url)));
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name)).toEqual(['leak']);
      // The server quotes the header it accepted: only a request that carried it gets this far.
      const failure = await client.callTool({ name: 'leak', arguments: {} }).catch((error: unknown) => error);
      expect(String(failure)).toContain('upstream rejected credentials: Bearer [REDACTED]');
      await client.close();
    }
    const logs = await mcpman(env, ['logs', 'pc']);
    witness.seeCli('mcpman logs pc', logs);
    // A session opened without the header would have been refused, and the server says so.
    expect(logs.stdout).toContain('authorized with Bearer [REDACTED]');
    expect(logs.stdout).not.toContain('refused');
  });

  it('redacts the value from an upstream error that quotes it, and from the server log', async () => {
    const record = await daemonRecord(env);
    const client = new Client({ name: 'hdr-test', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL('mcp', record!.url)));
    const failure = await client
      .callTool({ name: 'hdr__leak', arguments: {} })
      .catch((error: unknown) => error);
    witness.see('client error', String(failure));
    expect(String(failure)).toContain('upstream rejected credentials: Bearer [REDACTED]');
    await client.close();
    const logs = await mcpman(env, ['logs', 'hdr']);
    witness.seeCli('mcpman logs hdr', logs);
    expect(logs.stdout).toContain('authorized with Bearer [REDACTED]');
  });

  it('appears nowhere a user or attacker could read', async () => {
    const record = await daemonRecord(env);
    for (const path of ['/api/v1/servers', '/api/v1/servers/hdr', '/api/v1/info']) {
      const response = await fetch(new URL(path, record!.url));
      witness.see(`GET ${path}`, await response.text());
    }
    witness.seeCli('status --json', await mcpman(env, ['status', 'hdr', '--json']));
    witness.seeCli('ls --json', await mcpman(env, ['ls', '--json']));
    witness.see('daemon log', await daemonLog(env));
    const state = env['MCPMAN_STATE_DIR'] ?? '';
    // The audit line of the leaking call is written within 20 ms (lines are batched).
    const audit = (): Promise<string> => readFile(join(state, 'audit.log'), 'utf8').catch(() => '');
    await expect.poll(async () => (await audit()).includes('hdr__leak')).toBe(true);
    witness.see('audit log', await audit());
    const logs = join(managerDir(env, config), 'logs');
    for (const file of await readdir(logs).catch(() => []))
      witness.see(`log file ${file}`, await readFile(join(logs, file), 'utf8'));
    const { raw } = await inspect(containerName(ownerForConfig(config).id, 'hdr'));
    witness.see('podman inspect mcpman-hdr', raw);
    witness.see('config file', await readFile(config, 'utf8'));
    expect(witness.observed.length).toBeGreaterThan(15);
    expect(witness.observed.some((o) => o.text.includes('[REDACTED]'))).toBe(true);
    const leaks = witness.leaksOf(SECRET_VALUE);
    expect(leaks).toEqual([]);
  });
});
