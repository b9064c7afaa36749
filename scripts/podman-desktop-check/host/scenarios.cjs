// One scenario of the check, run in its own process under the Node version Podman Desktop asks
// for: `node scenarios.cjs <engine-up|engine-unreachable|invalid-settings>`. Each step prints a
// line `CHECK {"scenario","step","ok","detail"}`; check.mjs collects them.
//   PD_CHECK_PORT, PD_CHECK_PORT2  free loopback ports for the gateway (before/after a settings change)
//   PD_CHECK_SERVER                the server the engine-up scenario adds (a unique name)
//   PD_CHECK_PRELOAD               Podman Desktop's webview preload, bundled for Chromium
//   PD_CHECK_CHROMIUM, PD_CHECK_PLAYWRIGHT  the browser and playwright-core's folder
//   PD_CHECK_OUT                   where screenshots go
'use strict';
// Callbacks given to page.evaluate run in the page.
/* global window */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const host = require('./plugin-host.cjs');

const EXTENSION_ID = 'mcpman.mcp-server-manager';
const ACTIVATION_LIMIT_MS = 20_000;
const scenario = process.argv[2];
let failures = 0;

function report(step, ok, detail) {
  if (!ok) failures++;
  process.stdout.write(`CHECK ${JSON.stringify({ scenario, step, ok, detail })}\n`);
}

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Poll `probe` until it returns something truthy; undefined after `ms`. */
async function waitFor(probe, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) return undefined;
    await delay(250);
  }
}

async function ourExtension() {
  return (await host.ipc('extension-loader:listExtensions')).find((e) => e.id === EXTENSION_ID);
}

async function statusItem() {
  const entries = await host.ipc('status-bar:getStatusBarEntries');
  return entries.find((e) => e.entry.command === 'mcpman.openDashboard')?.entry;
}

function healthz(port) {
  return new Promise((resolve) => {
    http
      .get({ host: '127.0.0.1', port, path: '/healthz', timeout: 2000 }, (res) => {
        res.resume();
        resolve(res.statusCode);
      })
      .on('error', () => resolve(undefined));
  });
}

function podman(...args) {
  return execFileSync('podman', args, { encoding: 'utf8' }).trim();
}

/** Activation ends in time and leaves the extension started, whatever the engine or settings. */
async function activation() {
  const { loader, ms } = await host.start();
  const info = await ourExtension();
  report(
    'activation ends in time and the extension is started',
    info?.state === 'started' && ms < ACTIVATION_LIMIT_MS,
    {
      ms,
      state: info?.state,
      error: info?.error?.message,
    },
  );
  return loader;
}

/** The status bar item's text, once it is `expected` (a RegExp), within `ms`. */
async function statusBarSays(step, expected, ms) {
  const item = await waitFor(async () => {
    const entry = await statusItem();
    return entry !== undefined && expected.test(entry.text) ? entry : undefined;
  }, ms);
  const last = item ?? (await statusItem());
  report(step, item !== undefined, { text: last?.text, tooltip: last?.tooltip?.slice(0, 300) });
  return item;
}

function openBoxes() {
  const opened = host.apiEvents('showMessageBox:open');
  return opened.map((box) => ({ id: box.id, type: box.type, message: String(box.message).slice(0, 200) }));
}

async function engineUnreachable() {
  const loader = await activation();
  await statusBarSays('the status bar says the manager is not running, and why', /^MCP: not running/, 30_000);
  report('problems are told in boxes nothing waits on', openBoxes().length > 0, { boxes: openBoxes() });
  await loader.asyncDispose();
}

async function invalidSettings() {
  const loader = await activation();
  const item = await statusBarSays(
    'the status bar says the settings are invalid',
    /^MCP: settings invalid/,
    10_000,
  );
  report('its tooltip names the setting', item?.tooltip?.includes('mcpman.gateway.tls') === true, {
    tooltip: item?.tooltip,
  });
  report('problems are told in boxes nothing waits on', openBoxes().length > 0, { boxes: openBoxes() });
  await loader.asyncDispose();
}

/** The dashboard webview in Chromium, over Podman Desktop's webview server and preload. */
async function openWebview() {
  const { chromium } = require(process.env.PD_CHECK_PLAYWRIGHT);
  const webviews = await host.ipc('webviewRegistry:listWebviews');
  const webview = webviews.find((w) => w.name === 'MCP Server Manager') ?? webviews[0];
  const port = await host.ipc('webview:get-registry-http-port');
  const origin = `http://${webview.uuid}.webview.localhost:${port}`;
  const browser = await chromium.launch({
    executablePath: process.env.PD_CHECK_CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--host-resolver-rules=MAP *.localhost 127.0.0.1',
    ],
  });
  const page = await browser.newPage({ viewport: { width: 1024, height: 768 } });
  const problems = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  // The preload's ipcRenderer.invoke, answered by Podman Desktop's own handlers.
  await page.exposeBinding('__pdIpc', (_source, channel, args) =>
    host.ipcHandlers.get(channel)({ sender: {} }, ...args),
  );
  host.renderer.on('api:webview-post-message', (data) => {
    if (data.id !== webview.id) return;
    page
      .evaluate((message) => window.__pdEmit('webview-post-message', { message }), data.message)
      .catch(() => undefined);
  });
  await page.addInitScript({ content: fs.readFileSync(process.env.PD_CHECK_PRELOAD, 'utf8') });
  const response = await page.goto(`${origin}/?webviewId=${webview.id}`, { referer: origin });
  return { browser, page, problems, status: response?.status(), webview };
}

async function engineUp() {
  const server = process.env.PD_CHECK_SERVER;
  const container = `mcpman-desktop-${server}`;
  const port2 = Number(process.env.PD_CHECK_PORT2);
  const loader = await activation();
  try {
    const item = await statusBarSays(
      'the status bar shows the servers once the manager runs',
      /^MCP 0\/0 ready$/,
      60_000,
    );
    report(
      'a click on it runs the command that opens the dashboard',
      item?.command === 'mcpman.openDashboard',
      {
        command: item?.command,
      },
    );
    await host.ipc('status-bar:executeStatusBarEntryCommand', item?.command, item?.commandArgs);
    const navigated = host.apiEvents('navigate').some((n) => n.page === 'webview');
    report('the click navigates to the dashboard webview', navigated, {
      navigate: host.apiEvents('navigate'),
    });

    const view = await openWebview();
    try {
      const { page } = view;
      const drawn = await page
        .getByRole('heading', { name: 'MCP servers', exact: true })
        .waitFor({ timeout: 30_000 })
        .then(
          () => true,
          (error) => {
            view.problems.push(String(error.message).split('\n')[0]);
            return false;
          },
        );
      report(
        'the dashboard renders in Chromium through the preload, served by the webview server',
        drawn && view.status === 200,
        {
          status: view.status,
          title: await page.title(),
          problems: view.problems,
        },
      );
      await page.getByRole('button', { name: 'Add server' }).click();
      await page.getByLabel('Name', { exact: true }).fill(server);
      await page.getByLabel('Source', { exact: true }).fill('@modelcontextprotocol/server-memory@2026.8.31');
      await page.getByRole('button', { name: 'Add server' }).click();
      const landed = await page
        .locator('[data-testid=page-server], [data-testid=error-panel]')
        .first()
        .waitFor({ timeout: 30_000 })
        .then(() => page.getByTestId('error-panel').count())
        .then(
          (errors) => errors === 0,
          () => false,
        );
      report('a server added from the dashboard form is saved', landed, {
        text: (await page.locator('main').innerText()).slice(0, 300),
      });
      await statusBarSays('the server comes up ready (status bar)', /^MCP 1\/1 ready$/, 300_000);
      await page.evaluate(() => {
        window.location.hash = '#/servers';
      });
      const green = await page
        .locator(`[data-testid=server-row][data-server="${server}"] [data-testid=state-dot][data-tone=good]`)
        .waitFor({ timeout: 30_000 })
        .then(
          () => true,
          () => false,
        );
      report('and in the dashboard', green, {});
      await page.screenshot({ path: path.join(process.env.PD_CHECK_OUT, 'podman-desktop-webview.png') });
    } finally {
      await view.browser.close();
    }

    // The container menu, as ContributionActions calls it: one ContainerInfoUI, functions stripped.
    const listed = await host.ipc('container-provider-registry:listContainers');
    const raw = listed.find((c) => c.Names.includes(`/${container}`));
    const asRow = (c) => ({
      id: c.Id,
      shortId: c.Id.slice(0, 8),
      name: c.Names[0].replace(/^\//, ''),
      image: c.Image,
      shortImage: c.Image,
      engineId: c.engineId,
      engineName: c.engineName,
      engineType: c.engineType,
      state: String(c.State).toUpperCase(),
      uptime: '',
      startedAt: '',
      ports: [],
      portsAsString: '',
      displayPort: '',
      hasPublicPort: false,
      groupInfo: {
        name: c.Names[0].replace(/^\//, ''),
        type: 'standalone',
        engineId: c.engineId,
        engineType: c.engineType,
      },
      selected: false,
      created: c.Created,
      labels: c.Labels ?? {},
      imageBase64RepoTag: '',
    });
    report('Podman Desktop lists the server container', raw !== undefined, { container });
    const other = listed.find((c) => !c.Names.some((n) => n.startsWith('/mcpman-')));
    if (raw !== undefined) {
      // Which rows show the menus, by the renderer's own when-clause code; the shared context
      // holds whatever row Podman Desktop computed icons for last, here the other one's.
      const { shownFor } = require(process.env.PD_CHECK_MENU_WHEN);
      const menus = await host.ipc('menu-registry:getContributedMenus', 'dashboard/container');
      const ours = menus.filter((m) => m.command.startsWith('mcpman.'));
      const foreignRow =
        other === undefined ? { ...asRow(raw), name: 'someone-elses', labels: {} } : asRow(other);
      const onOurs = ours.filter((m) =>
        shownFor(m.when, asRow(raw), { containerLabelKeys: Object.keys(foreignRow.labels) }),
      );
      const onTheirs = ours.filter((m) =>
        shownFor(m.when, foreignRow, { containerLabelKeys: Object.keys(raw.Labels ?? {}) }),
      );
      report(
        'the container menus show on its container and not on another, row by row',
        ours.length === 4 && onOurs.length === 4 && onTheirs.length === 0,
        {
          menus: ours.map((m) => m.title),
          onOurs: onOurs.length,
          onTheirs: onTheirs.length,
          other: foreignRow.name,
        },
      );
      const startedBefore = podman('inspect', '--format', '{{.State.StartedAt}}', container);
      const boxesBefore = host.apiEvents('showMessageBox:open').length;
      const started = Date.now();
      const settled = await Promise.race([
        host.ipc('command-registry:executeCommand', 'mcpman.restartServer', asRow(raw)).then(
          () => true,
          () => true,
        ),
        delay(15_000).then(() => false),
      ]);
      report('Restart MCP server from the container menu returns without waiting on a box', settled, {
        ms: Date.now() - started,
        boxes: host
          .apiEvents('showMessageBox:open')
          .slice(boxesBefore)
          .map((b) => b.message),
      });
      const restarted = await waitFor(
        async () => podman('inspect', '--format', '{{.State.StartedAt}}', container) !== startedBefore,
        60_000,
      );
      report('and the container was restarted', restarted === true, {});
      await statusBarSays('the server is ready again', /^MCP 1\/1 ready$/, 120_000);
    }
    const foreign = {
      ...(raw === undefined ? {} : asRow(raw)),
      id: 'f'.repeat(64),
      name: 'someone-elses-container',
      labels: { 'com.example': 'yes' },
    };
    const boxes = host.apiEvents('showMessageBox:open').length;
    const refused = await Promise.race([
      host.ipc('command-registry:executeCommand', 'mcpman.stopServer', foreign).then(
        () => true,
        () => true,
      ),
      delay(5_000).then(() => false),
    ]);
    const warned = host.apiEvents('showMessageBox:open').slice(boxes);
    report(
      'a container it does not own is refused, with a box nothing waits on',
      refused && warned.length === 1,
      {
        boxes: warned.map((b) => b.message),
      },
    );
    for (const box of warned) await host.ipc('showMessageBox:onSelect', box.id, undefined);

    // Preferences → MCP Server Manager: the path the settings page writes through.
    await host.ipc('configuration-registry:updateConfigurationValue', 'mcpman.gateway.port', port2);
    const moved = await waitFor(async () => (await healthz(port2)) === 200, 60_000);
    report('a port changed in Preferences restarts the gateway on it', moved === true, {
      port: port2,
      old: await healthz(Number(process.env.PD_CHECK_PORT)),
    });
    await statusBarSays('with the server ready again', /^MCP 1\/1 ready$/, 120_000);

    const stopping = Date.now();
    await host.ipc('extension-loader:stopExtension', EXTENSION_ID);
    const gone = await waitFor(
      async () => (await statusItem()) === undefined && (await healthz(port2)) === undefined,
      30_000,
    );
    report('deactivation removes its status bar item and closes its listener', gone === true, {
      ms: Date.now() - stopping,
      status: await statusItem(),
      healthz: await healthz(port2),
    });
    const unknown = await host.ipc('command-registry:executeCommand', 'mcpman.openDashboard').then(
      () => 'ran',
      (error) => error.message,
    );
    report('and its commands', /Unknown command/.test(unknown), { answer: unknown });
    // The container stays for the next activation to adopt; a stdio server stops once its
    // manager (its stdin) is gone.
    const stopped = await waitFor(
      async () => podman('inspect', '--format', '{{.State.Running}}', container) === 'false',
      30_000,
    );
    report('and leaves no running container (kept, stopped, for the next activation)', stopped === true, {
      container,
    });
  } finally {
    try {
      podman('rm', '-f', '--volumes', container);
    } catch {
      // Never created.
    }
    await loader.asyncDispose();
  }
}

const SCENARIOS = {
  'engine-up': engineUp,
  'engine-unreachable': engineUnreachable,
  'invalid-settings': invalidSettings,
};

(async () => {
  const run = SCENARIOS[scenario];
  if (run === undefined)
    throw new Error(`unknown scenario ${scenario}; one of ${Object.keys(SCENARIOS).join(', ')}`);
  await run();
  // Podman Desktop's own calls beyond loopback (its extension catalog, …), refused by the guard.
  process.stderr.write(`check: blocked hosts: ${[...host.blockedHosts].join(', ') || 'none'}\n`);
  process.exit(failures === 0 ? 0 : 1);
})().catch((error) => {
  report('ran to the end', false, { error: error?.stack ?? String(error) });
  process.exit(1);
});
