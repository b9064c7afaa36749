import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { cliEnv, daemonLog, mcpman, processAlive, stopManager } from './helpers/cli.js';
import { ApiService, nodeBaseImage, podman, serverContainers, sweep } from './helpers/podman.js';
import { RuntimeHarness, resultText } from './helpers/runtime.js';
import { EVERYTHING, Workspace } from './helpers/workspace.js';

const REPO = join(import.meta.dirname, '..');
const BIN = join(REPO, 'packages/cli/bin/mcpman.js');

/**
 * A minimal MCP stdio server (inline, no dependencies) with the misbehaviours the fault tests
 * need: `hog` allocates memory until the container's limit kills it; with FLOOD set it writes
 * garbage to stdout as fast as it can, between its real answers.
 */
const FAULTY_SERVER = [
  "const send=m=>process.stdout.write(JSON.stringify(m)+'\\n');",
  "if(process.env.FLOOD){const junk='garbage '.repeat(512)+'\\n';const go=()=>{while(process.stdout.write(junk)){}process.stdout.once('drain',go)};setImmediate(go)}",
  'const hog=[];',
  "require('readline').createInterface({input:process.stdin}).on('line',l=>{let m;try{m=JSON.parse(l)}catch{return}if(m.id===undefined)return;",
  "if(m.method==='initialize')return send({jsonrpc:'2.0',id:m.id,result:{protocolVersion:'2025-11-25',capabilities:{tools:{}},serverInfo:{name:'faulty',version:'1'}}});",
  "if(m.method==='ping')return send({jsonrpc:'2.0',id:m.id,result:{}});",
  "if(m.method==='tools/list')return send({jsonrpc:'2.0',id:m.id,result:{tools:[{name:'hog',inputSchema:{type:'object'}},{name:'hi',inputSchema:{type:'object'}}]}});",
  "if(m.params&&m.params.name==='hog'){setInterval(()=>{hog.push(Buffer.alloc(8<<20,1))},10);return}",
  "send({jsonrpc:'2.0',id:m.id,result:{content:[{type:'text',text:'hi'}]}})})",
].join('');

/**
 * Faults against the real engine: a server container killed under load, a manager killed in
 * the middle of `up`, a server that runs out of memory, and one that floods stdout with garbage.
 */
describe('faults', () => {
  describe('in-process manager and gateway', () => {
    let h: RuntimeHarness;
    let base: URL;
    const clients: Client[] = [];

    const connect = async (path = ''): Promise<Client> => {
      const client = new Client({ name: 'faults', version: '1' });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${path}/mcp`, base)));
      clients.push(client);
      return client;
    };

    beforeAll(async () => {
      h = await RuntimeHarness.create();
      const image = await nodeBaseImage();
      const faulty = (flood: boolean): string =>
        `    source: image:${image}
    entrypoint: [/usr/local/bin/node, -e, ${JSON.stringify(FAULTY_SERVER)}]
    ${flood ? 'env: { FLOOD: "1" }' : 'resourceLimits: { memory: 96Mi }'}
    restart: { initialDelay: 100ms }
    health: { interval: 1s, timeout: 2s }`;
      base = await h.startGateway(
        `  alpha:
    source: ${EVERYTHING}
    restart: { initialDelay: 100ms }
  hog:
${faulty(false)}
  flood:
${faulty(true)}
`,
      );
    }, 300_000);

    afterEach(async () => {
      for (const client of clients.splice(0)) await client.close().catch(() => undefined);
    });

    afterAll(async () => {
      await h.dispose();
    });

    it('fails in-flight calls fast when a server container is killed under load, then serves again', async () => {
      const client = await connect();
      const long = Array.from({ length: 4 }, () =>
        client
          .callTool(
            { name: 'alpha__trigger-long-running-operation', arguments: { duration: 30, steps: 30 } },
            undefined,
            { timeout: 120_000 },
          )
          .then(
            () => 'finished',
            (error: unknown) => String(error),
          ),
      );
      let echoes = 0;
      const stopLoad = new AbortController();
      const load = (async () => {
        while (!stopLoad.signal.aborted) {
          await client
            .callTool({ name: 'alpha__echo', arguments: { message: 'load' } })
            .then(() => (echoes += 1))
            .catch(() => undefined);
          // Rejections while the server is down can settle without I/O: let the loop breathe.
          await new Promise((resolve) => setImmediate(resolve));
        }
      })();
      await expect.poll(() => echoes).toBeGreaterThan(20);
      const restartsBefore = h.runtime!.get('alpha')!.status().restarts;
      const killedAt = Date.now();
      await podman('kill', 'mcpman-test-alpha');
      const outcomes = await Promise.all(long);
      const failedWithin = Date.now() - killedAt;
      // Each long call would have run 30 s: it failed as soon as the server went, with a reason.
      for (const outcome of outcomes)
        expect(outcome).toMatch(/went away|closed|exited|UPSTREAM|not ready|restarting/i);
      expect(failedWithin).toBeLessThan(20_000);
      await expect
        .poll(() => h.runtime!.get('alpha')!.status(), { timeout: 60_000 })
        .toMatchObject({ state: 'ready', restarts: restartsBefore + 1 });
      const echoesAfterKill = echoes;
      await expect.poll(() => echoes, { timeout: 30_000 }).toBeGreaterThan(echoesAfterKill + 10);
      stopLoad.abort();
      await load;
      expect(await serverContainers('alpha')).toHaveLength(1);
    });

    it('notices a server killed for running out of memory, says so, and restarts it', async () => {
      const client = await connect();
      const before = h.runtime!.get('hog')!.status().restarts;
      const call = await client
        .callTool({ name: 'hog__hog', arguments: {} }, undefined, { timeout: 60_000 })
        .then(
          () => 'answered',
          (error: unknown) => String(error),
        );
      expect(call).toMatch(/went away|closed|exited|UPSTREAM|memory/i);
      await expect
        .poll(() => h.states('hog').some((e) => /out of memory \(limit 96 MiB\)/.test(e.reason)), {
          timeout: 30_000,
        })
        .toBe(true);
      const oom = h.states('hog').find((e) => /out of memory/.test(e.reason));
      expect(oom?.code).toBe('CONTAINER_OOM_KILLED');
      await expect
        .poll(() => h.runtime!.get('hog')!.status(), { timeout: 60_000 })
        .toMatchObject({ state: 'ready', restarts: before + 1 });
      expect(resultText(await client.callTool({ name: 'hog__hi', arguments: {} }))).toBe('hi');
    });

    it('keeps a server that floods stdout with garbage from stalling the others', async () => {
      const client = await connect();
      // The flooding server still answers between its garbage, and is reported.
      expect(resultText(await client.callTool({ name: 'flood__hi', arguments: {} }))).toBe('hi');
      const started = Date.now();
      for (let i = 0; i < 100; i++) {
        const result = await client.callTool({ name: 'alpha__echo', arguments: { message: `n${i}` } });
        expect(resultText(result)).toBe(`Echo: n${i}`);
      }
      const perCall = (Date.now() - started) / 100;
      console.log(`faults: 100 calls to alpha beside a flooding server, ${perCall.toFixed(1)} ms each`);
      expect(perCall).toBeLessThan(200);
      const log = h
        .runtime!.get('flood')!
        .recentLogs.map((l) => l.line)
        .join('\n');
      expect(log).toMatch(/not JSON|invalid|garbage/i);
      expect(h.runtime!.get('alpha')!.status().state).toBe('ready');
    });
  });

  describe('the Podman API service stopped and started again', () => {
    let h: RuntimeHarness;
    let api: ApiService;
    let client: Client;

    beforeAll(async () => {
      h = await RuntimeHarness.create();
      api = new ApiService(h.engine.socketPath);
      const base = await h.startGateway(`  alpha:
    source: ${EVERYTHING}
    restart: { initialDelay: 100ms, maxRetries: 20 }
`);
      client = new Client({ name: 'faults', version: '1' });
      await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', base)));
    }, 300_000);

    afterAll(async () => {
      await api.restore();
      await client.close().catch(() => undefined);
      await h.dispose();
    });

    it.each(['SIGTERM', 'SIGKILL'] as const)(
      'survives the service going away (%s): calls settle fast, then it reconnects with state intact',
      async (signal) => {
        expect(resultText(await client.callTool({ name: 'alpha__echo', arguments: { message: 'a' } }))).toBe(
          'Echo: a',
        );
        h.events.length = 0;
        await api.stop(signal);
        // An attach the stopped service still holds may outlive it (SIGTERM); a crash cuts it.
        // Whichever happens, a call settles fast.
        const asked = Date.now();
        const during = await client.callTool({ name: 'alpha__echo', arguments: { message: 'b' } }).then(
          (result) => resultText(result),
          (error: unknown) => String(error),
        );
        console.log(
          `faults: a call with the API service down (${signal}): ${during} (${Date.now() - asked} ms)`,
        );
        expect(during).toMatch(/^Echo: b$|not ready|went away|closed|restarting|engine/i);
        expect(Date.now() - asked).toBeLessThan(10_000);
        expect(h.runtime!.servers().map((s) => s.name)).toEqual(['alpha']);
        await api.start();
        await expect
          .poll(() => h.runtime!.get('alpha')!.status(), { timeout: 90_000 })
          .toMatchObject({ state: 'ready' });
        const states = h.states('alpha').map((e) => `${e.state} (${e.reason})`);
        console.log(
          `faults: alpha across the API service restart (${signal}): ${states.join(' → ') || 'ready throughout'}`,
        );
        await expect
          .poll(
            () =>
              client.callTool({ name: 'alpha__echo', arguments: { message: 'c' } }).then(resultText, String),
            {
              timeout: 30_000,
            },
          )
          .toBe('Echo: c');
        expect(await serverContainers('alpha')).toHaveLength(1);
        // Engine events flow again: a kill now is noticed and repaired as before.
        const restarts = h.runtime!.get('alpha')!.status().restarts;
        await podman('kill', 'mcpman-test-alpha');
        await expect
          .poll(() => h.runtime!.get('alpha')!.status(), { timeout: 60_000 })
          .toMatchObject({ state: 'ready', restarts: restarts + 1 });
      },
    );
  });

  describe('a manager killed in the middle of up', () => {
    const env = cliEnv();
    let workspace: Workspace;

    beforeAll(async () => {
      await sweep();
      workspace = await Workspace.create();
    });

    afterAll(async () => {
      await stopManager(env);
      await sweep();
      await workspace.dispose();
    });

    it('is adopted or cleaned up by the next up: no duplicates, the config intact', async () => {
      const config = await workspace.write(
        'mcpman.yaml',
        `version: 1
gateway: { listen: 127.0.0.1:0, grpc: { listen: 127.0.0.1:0 } }
servers:
  one: { source: ${EVERYTHING} }
  two: { source: ${EVERYTHING} }
  three: { source: ${EVERYTHING} }
`,
      );
      const configBefore = await readFile(config, 'utf8');
      const manager = spawn(process.execPath, [BIN, 'up', '-f', config], {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      manager.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      // Mid-up: the first container is being created, the others not yet ready.
      await expect.poll(() => /\s(create|starting)\s/.test(output), { timeout: 60_000 }).toBe(true);
      manager.kill('SIGKILL');
      await expect.poll(() => processAlive(manager.pid ?? 0)).toBe(false);
      const up = await mcpman(env, ['up', '--detach', '-f', config]);
      expect(up.code, `${up.stdout}\n${await daemonLog(env)}`).toBe(0);
      expect(up.stdout).toContain('3/3 servers ready');
      for (const name of ['one', 'two', 'three']) expect(await serverContainers(name)).toHaveLength(1);
      expect(await readFile(config, 'utf8')).toBe(configBefore);
    });
  });
});
