import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { BUNDLED_CATALOG_DIR } from '@mcpman/integrations';
import { startLocalRegistry } from '../packages/integrations/src/catalog/testing/local-registry.js';
import type { LocalRegistry } from '../packages/integrations/src/catalog/testing/local-registry.js';
import { REPO, cliEnv, daemonRecord, mcpman, statusJson, stopManager } from './helpers/cli.js';
import { podman, sweep } from './helpers/podman.js';
import { AuthCheckingProxy, HostEverything } from './helpers/remote-server.js';
import { EVERYTHING, MEMORY, Workspace } from './helpers/workspace.js';

/** Screenshots of every page, kept after the run (test-results/ is the artifact folder). */
const SHOTS = join(REPO, 'test-results', 'dashboard');

/** Run in the page (the tests are not compiled with the DOM's types): every tone the
 * `everything` dot takes, in order, in `window.mcpmanTones`. */
const RECORD_TONES = `(() => {
  const tones = [];
  window.mcpmanTones = tones;
  const record = () => {
    const dot = document.querySelector('[data-testid=server-row][data-server="everything"] [data-testid=state-dot]');
    const tone = dot === null ? null : dot.getAttribute('data-tone');
    if (tone !== null && tones[tones.length - 1] !== tone) tones.push(tone);
  };
  record();
  new MutationObserver(record).observe(document.body, { subtree: true, childList: true, attributes: true });
})()`;
const CHROMIUM = '/usr/bin/chromium';
/** The catalog server the Catalog page adds: it needs a secret, which the form must ask for. */
const BRAVE = 'io.github.modelcontextprotocol/server-brave-search';
const BRAVE_ICON = 'https://example.org/brave-search.svg';
const BRAVE_SECRET = 'dash-brave-brave-api-key';
/** A user's Cursor settings with a server of their own, which connect must leave as it is. */
const CURSOR_FILE = `{
  "mcpServers": {
    "other": { "command": "npx", "args": ["-y", "other-server"] }
  }
}
`;

/**
 * The browser dashboard against a real `mcpman up`, driven by Playwright in the machine's
 * Chromium: live status, a container stopped behind the manager's back, the tool tester, form
 * validation as you type, and a server added from the form coming up for real.
 */
describe('browser dashboard', () => {
  const env = cliEnv();
  let workspace: Workspace | undefined;
  let config: string;
  let url: string;
  /** The dashboard URL with this run's key, as `mcpman dashboard` gives it to the owner. */
  let keyedUrl: string;
  let browser: Browser | undefined;
  let registry: LocalRegistry | undefined;
  let page: Page;
  const remoteCleanups: (() => Promise<unknown>)[] = [];
  /** Uncaught errors in the page: a form that throws while typing stops reacting. */
  const pageErrors: string[] = [];

  const row = (server: string): ReturnType<Page['locator']> =>
    page.locator(`[data-testid=server-row][data-server="${server}"]`);
  const dotOf = (server: string): ReturnType<Page['locator']> => row(server).getByTestId('state-dot');
  /** Submit the server form; it must land on the server's page, not show an error. */
  const submitForm = async (): Promise<void> => {
    await page.getByRole('button', { name: 'Add server' }).click();
    await page.locator('[data-testid=page-server], [data-testid=error-panel]').first().waitFor();
    await expect(
      page.getByTestId('error-panel').count(),
      await page.locator('main').innerText(),
    ).resolves.toBe(0);
    await page.goto(url);
  };
  const shot = async (name: string): Promise<void> => {
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  };

  beforeAll(async () => {
    expect(existsSync(CHROMIUM), 'set-up installs Chromium (MCPMAN_SETUP_EXTRAS=chromium)').toBe(true);
    await sweep();
    await mkdir(SHOTS, { recursive: true });
    workspace = await Workspace.create();
    // The Catalog page's registry: a real v0.1 server with two bundled documents, one with an icon.
    const bundled = async (file: string): Promise<Record<string, unknown>> =>
      JSON.parse(await readFile(join(BUNDLED_CATALOG_DIR, file), 'utf8')) as Record<string, unknown>;
    registry = await startLocalRegistry([
      { ...(await bundled(`${BRAVE.replace('/', '__')}.json`)), icons: [{ src: BRAVE_ICON }] },
      await bundled('io.github.modelcontextprotocol__server-memory.json'),
    ]);
    config = await workspace.write(
      'mcpman.yaml',
      `version: 1
registries: [${registry.url}]
gateway:
  listen: 127.0.0.1:0
  grpc: { enabled: false }
servers:
  everything:
    source: ${EVERYTHING}
    args: [stdio]
    health: { interval: 2s }
    restart: { initialDelay: 200ms }
profiles:
  tiny:
    description: echo only
    servers:
      everything: { tools: { allow: [echo] } }
`,
    );
    // The Clients page edits this user's client files: a home of the test's own, never the real one.
    env['HOME'] = workspace.path('home');
    await mkdir(join(env['HOME'], '.cursor'), { recursive: true });
    await writeFile(join(env['HOME'], '.cursor', 'mcp.json'), CURSOR_FILE);
    const up = await mcpman(env, ['up', '--detach', '-f', config], { cwd: workspace.dir });
    expect(up.code, up.stderr).toBe(0);
    url = (await daemonRecord(env))!.url;
    const dashboard = await mcpman(env, ['dashboard', '--no-open', '-f', config], { cwd: workspace.dir });
    expect(dashboard.code, dashboard.stderr).toBe(0);
    keyedUrl = dashboard.stdout.trim();
    expect(keyedUrl).toMatch(new RegExp(`^${url}#key=[A-Za-z0-9_-]{43}$`));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.on('pageerror', (error) => pageErrors.push(String(error)));
  });

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await stopManager(env);
    await sweep();
    await podman('secret', 'rm', 'dashboard-test-secret').catch(() => undefined);
    await podman('secret', 'rm', 'dashboard-remote-token').catch(() => undefined);
    await podman('secret', 'rm', BRAVE_SECRET).catch(() => undefined);
    await registry?.close();
    for (const stop of remoteCleanups.reverse()) await stop().catch(() => undefined);
    await workspace?.dispose();
  });

  it('without the run’s key the page shows everything but asks for the key before it changes anything', async () => {
    const context = await browser!.newContext();
    const stranger = await context.newPage();
    try {
      await stranger.goto(url);
      const everything = stranger.locator('[data-testid=server-row][data-server="everything"]');
      await everything.locator('[data-testid=state-dot][data-tone=good]').waitFor({ timeout: 120_000 });
      await everything.getByRole('button', { name: 'Stop', exact: true }).click();
      const form = stranger.getByTestId('token-form');
      await form.waitFor();
      await expect(form.innerText()).resolves.toContain("need this run's dashboard key");
      expect((await statusJson(env)).servers.find((s) => s.name === 'everything')?.state).toBe('ready');
    } finally {
      await context.close();
    }
    // The owner's URL: the key is kept for the tab and taken out of the address bar.
    await page.goto(keyedUrl);
    await page.waitForURL(`${url}#/servers`);
    await expect(page.evaluate<string | null>('sessionStorage.getItem("mcpman.token")')).resolves.toBe(
      keyedUrl.split('#key=')[1],
    );
  });

  it('shows each server with a live status indicator, resources and a copyable endpoint', async () => {
    await page.goto(url);
    await dotOf('everything').and(page.locator('[data-tone=good]')).waitFor({ timeout: 120_000 });
    await expect(row('everything').textContent()).resolves.toContain(`${url}servers/everything/mcp`);
    await expect(page.getByTestId('summary').textContent()).resolves.toBe('MCP 1/1 ready');
    await page
      .getByRole('button', { name: /Copy endpoint URL/ })
      .first()
      .waitFor();
    await shot('servers');
  });

  it('turns the indicator red when the container is stopped, and green again after the restart', async () => {
    const before = (await statusJson(env)).servers.find((s) => s.name === 'everything')!;
    // Every tone the dot takes, recorded in the page: with a 200 ms restart delay the red phase
    // can be shorter than a locator's polling interval.
    await page.evaluate(RECORD_TONES);
    const tones = (): Promise<string[]> => page.evaluate<string[]>('window.mcpmanTones');
    await podman('stop', '-t', '2', before.containerId!);
    // No reload: the page follows the event stream.
    await expect.poll(tones, { timeout: 30_000 }).toContain('bad');
    await shot('servers-down');
    await dotOf('everything').and(page.locator('[data-tone=good]')).waitFor({ timeout: 120_000 });
    // Green, then red (whatever came between), then green again.
    const seen = await tones();
    expect(seen[0]).toBe('good');
    expect(seen.indexOf('bad')).toBeGreaterThan(0);
    expect(seen[seen.length - 1]).toBe('good');
    // The restart is counted (fourth column).
    await row('everything')
      .locator('td:nth-child(4)', { hasText: /^\s*1\s*$/ })
      .waitFor({ timeout: 10_000 });
  });

  it('calls echo from the tool tester and shows the result', async () => {
    await page.goto(`${url}#/servers/everything/tools`);
    await page.getByTestId('tool-list').getByRole('button', { name: 'echo', exact: true }).click();
    const tester = page.getByTestId('tool-tester');
    await tester.getByLabel('message').fill('hello from the dashboard');
    await tester.getByRole('button', { name: 'Call tool' }).click();
    const result = page.getByTestId('tool-result');
    await result.waitFor({ timeout: 30_000 });
    await expect(result.getAttribute('data-is-error')).resolves.toBe('false');
    await expect(result.textContent()).resolves.toContain('Echo: hello from the dashboard');
    await shot('server-tools');
    // An empty required field is refused in the form, before any call.
    await tester.getByLabel('message').fill('');
    await tester.getByRole('button', { name: 'Call tool' }).click();
    await tester.getByText('required').waitFor();
  });

  it('shows summary, logs and health of a server', async () => {
    await page.goto(`${url}#/servers/everything/summary`);
    await page.getByTestId('server-config').waitFor();
    await expect(page.getByTestId('server-config').textContent()).resolves.toContain(EVERYTHING);
    await shot('server-summary');
    await page.goto(`${url}#/servers/everything/logs`);
    await page.getByTestId('server-logs').waitFor();
    await shot('server-logs');
    await page.goto(`${url}#/servers/everything/health`);
    await page
      .locator('[data-testid=health-history] td', { hasText: 'ok' })
      .first()
      .waitFor({ timeout: 30_000 });
    await shot('server-health');
  });

  it('shows a field error as the user types, before any submit', async () => {
    await page.goto(`${url}#/servers/new`);
    await page.getByLabel('Name', { exact: true }).fill('Bad Name');
    await page.getByText(/lowercase letters, digits and single hyphens/).waitFor();
    await page.getByLabel('Memory').fill('lots');
    await page.getByText(/resourceLimits\.memory: /).waitFor();
    await shot('server-form-invalid');
    // Nothing was written.
    await expect(readFile(config, 'utf8')).resolves.not.toContain('Bad Name');
  });

  it('adds a server from the form, with a secret in a masked field, and brings it to ready', async () => {
    // By the "Add server" button: a fresh form, not the one the last test left filled in.
    await page.goto(`${url}#/servers`);
    await page.getByRole('button', { name: 'Add server' }).click();
    await page.getByLabel('Name', { exact: true }).fill('memory');
    await page.getByLabel('Source', { exact: true }).fill(MEMORY.replace('npx://', ''));
    await page.getByRole('button', { name: 'Add secret' }).click();
    await page.getByLabel('Secret variable 1').fill('MEMORY_TOKEN');
    await page.getByLabel('Secret name 1').fill('dashboard-test-secret');
    const value = page.getByLabel('Secret value 1');
    await expect(value.getAttribute('type')).resolves.toBe('password');
    await value.fill('not-in-the-config');
    await shot('server-form');
    await submitForm();
    await dotOf('memory').and(page.locator('[data-tone=good]')).waitFor({ timeout: 170_000 });
    const written = await readFile(config, 'utf8');
    expect(written).toContain('memory:');
    expect(written).toContain('dashboard-test-secret');
    expect(written).not.toContain('not-in-the-config');
    await expect(podman('secret', 'inspect', 'dashboard-test-secret')).resolves.toContain(
      'dashboard-test-secret',
    );
  }, 240_000);

  it('adds a url: server from the form, its header filled from a secret stored there, and brings it to ready', async () => {
    const remote = await HostEverything.start('streamableHttp');
    remoteCleanups.push(() => remote.kill());
    const proxy = await AuthCheckingProxy.start(remote.port, 'Bearer remote-secret-value');
    remoteCleanups.push(() => proxy.close());
    await page.goto(`${url}#/servers`);
    await page.getByRole('button', { name: 'Add server' }).click();
    await page.getByLabel('Name', { exact: true }).fill('docs');
    await page.getByLabel('Remote URL').check();
    // A server mcpman does not run has no container fields.
    await expect(page.locator('input[name=memory]').count()).resolves.toBe(0);
    await page.getByLabel('Source', { exact: true }).fill(`http://127.0.0.1:${proxy.port}/mcp`);
    await page.getByRole('button', { name: 'Add header' }).click();
    await page.getByLabel('Header name 1').fill('Authorization');
    await page.getByLabel('Header value 1').fill('Bearer ${secret:dashboard-remote-token}');
    await page.getByText(/uses secret "dashboard-remote-token", which is not stored/).waitFor();
    await page.getByRole('button', { name: 'Add secret' }).click();
    await page.getByLabel('Secret name 1').fill('dashboard-remote-token');
    await page.getByLabel('Secret value 1').fill('remote-secret-value');
    await shot('server-form-remote');
    await submitForm();
    await dotOf('docs').and(page.locator('[data-tone=good]')).waitFor({ timeout: 60_000 });
    const written = await readFile(config, 'utf8');
    expect(written).toContain(`url: http://127.0.0.1:${proxy.port}/mcp`);
    expect(written).toContain('${secret:dashboard-remote-token}');
    expect(written).not.toContain('remote-secret-value');
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('lists the transports and creates a token that is shown once', async () => {
    await page.goto(`${url}#/gateway`);
    await page.getByTestId('transports').waitFor();
    await expect(page.getByTestId('transports').textContent()).resolves.toContain(`${url}mcp`);
    // Profiles: each with its servers, the tools its endpoint lists now, and its URL.
    const tiny = page.getByTestId('profile-tiny');
    await expect(tiny.textContent()).resolves.toMatch(/tiny\s*echo only\s*everything\s*1\s*/);
    await expect(tiny.textContent()).resolves.toContain(`${url}profiles/tiny/mcp`);
    await page.getByLabel('Token name').fill('dashboard-client');
    await page.getByRole('button', { name: 'Create token' }).click();
    const created = page.getByTestId('created-token');
    await created.waitFor();
    await expect(created.textContent()).resolves.toMatch(/mcpman_\w+|[A-Za-z0-9_-]{20,}/);
    await page.getByTestId('tokens').getByText('dashboard-client').waitFor();
    await shot('gateway');
    await page.reload();
    await page.getByTestId('tokens').waitFor();
    await expect(page.getByTestId('created-token').count()).resolves.toBe(0);
  });

  it('connects a client from the Clients page, which then reaches the gateway, and disconnects it again', async () => {
    const file = join(env['HOME'] ?? '', '.cursor', 'mcp.json');
    await page.goto(`${url}#/clients`);
    const cursor = page.getByTestId('client-cursor');
    await cursor.waitFor();
    // Only clients found here are listed by default: Cursor (its folder exists), not Zed.
    await expect(page.getByTestId('client-zed').count()).resolves.toBe(0);
    await expect(cursor.getByTestId('connection').textContent()).resolves.toContain('no');
    await cursor.getByRole('button', { name: 'Connect Cursor', exact: true }).click();
    await cursor.getByRole('button', { name: 'Disconnect Cursor', exact: true }).waitFor();
    await expect(cursor.getByTestId('connection').textContent()).resolves.toContain('URL');
    await shot('clients');
    const written = JSON.parse(await readFile(file, 'utf8')) as {
      mcpServers: Record<string, { url?: string }>;
    };
    expect(written.mcpServers['other']).toEqual({ command: 'npx', args: ['-y', 'other-server'] });
    const endpoint = written.mcpServers['mcpman']?.url ?? '';
    expect(endpoint).toBe(`${url}mcp`);
    // What the client will do with the entry: open an MCP session at that URL.
    const client = new Client({ name: 'cursor-stand-in', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(endpoint)));
    try {
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name)).toContain('everything__echo');
    } finally {
      await client.close();
    }
    // Exact names: 'Connect' alone would also match 'Disconnect Cursor' and return before the write.
    await cursor.getByRole('button', { name: 'Disconnect Cursor', exact: true }).click();
    await cursor.getByRole('button', { name: 'Connect Cursor', exact: true }).waitFor();
    await expect(readFile(file, 'utf8')).resolves.toBe(CURSOR_FILE);
    expect(pageErrors).toEqual([]);
  });

  it('searches the catalog as you type and adds a server from its card, asking only for its secret', async () => {
    await page.goto(`${url}#/catalog`);
    const cards = page.getByTestId('catalog-cards').locator('article');
    await page.getByTestId(`card-${BRAVE}`).waitFor();
    await expect(cards.count()).resolves.toBe(2);
    await page.getByLabel('Search the catalog').fill('brave');
    await page
      .getByTestId('card-io.github.modelcontextprotocol/server-memory')
      .waitFor({ state: 'detached' });
    const card = page.getByTestId(`card-${BRAVE}`);
    await expect(card.textContent()).resolves.toContain('needs secrets');
    await expect(card.locator('img').getAttribute('src')).resolves.toBe(BRAVE_ICON);
    await expect(card.getByRole('link', { name: 'repository' }).getAttribute('href')).resolves.toMatch(
      /^https:\/\/github\.com\//,
    );
    expect(registry?.requests.some((r) => r.includes('search=brave'))).toBe(true);
    await card.getByRole('button', { name: /^Add / }).click();
    const form = page.getByTestId('catalog-add');
    await form.waitFor();
    // The one thing the document requires, and it is a secret: a hidden field, nothing else asked.
    const key = form.getByLabel('BRAVE_API_KEY', { exact: true });
    await expect(key.getAttribute('type')).resolves.toBe('password');
    await expect(form.locator('details').count()).resolves.toBe(0);
    await form.getByLabel('Server name', { exact: true }).fill('dash-brave');
    await key.fill('catalog-secret-value');
    await shot('catalog-add');
    await form.getByRole('button', { name: 'Add server', exact: true }).click();
    await page.getByTestId('page-server').waitFor();
    await page.goto(`${url}#/servers`);
    await dotOf('dash-brave').and(page.locator('[data-tone=good]')).waitFor({ timeout: 150_000 });
    const written = await readFile(config, 'utf8');
    expect(written).toContain('dash-brave:');
    expect(written).toContain(BRAVE_SECRET);
    expect(written).not.toContain('catalog-secret-value');
    // The secret typed in is bound to its server: no other entry may name it and have it sent.
    const labels = await podman('secret', 'inspect', '--format', '{{json .Spec.Labels}}', BRAVE_SECRET);
    expect(JSON.parse(labels)).toMatchObject({ 'io.mcpman.secret-for': 'dash-brave' });
    expect(pageErrors).toEqual([]);
  }, 200_000);

  it('fits every page into a 1024 px wide window (a Podman Desktop webview beside its navigation)', async () => {
    const narrow = await browser!.newPage({ viewport: { width: 1024, height: 768 } });
    try {
      await narrow.goto(keyedUrl);
      await narrow.waitForURL(`${url}#/servers`);
      // Each page, with what shows it has loaded.
      for (const [hash, loaded] of [
        ['#/servers', '[data-testid=server-row]'],
        ['#/servers/everything/summary', '[data-testid=server-config]'],
        ['#/servers/everything/tools', '[data-testid=tool-list]'],
        ['#/servers/everything/logs', '[data-testid=server-logs]'],
        ['#/servers/new', '[data-testid=page-server-form]'],
        ['#/servers/everything/edit', '[data-testid=page-server-form]'],
        ['#/catalog', '[data-testid=catalog-cards]'],
        ['#/clients', '[data-testid=clients]'],
        ['#/gateway', '[data-testid=transports]'],
      ] as const) {
        await narrow.goto(`${url}${hash}`);
        await narrow.locator(loaded).first().waitFor();
        // Scroll widths catch what overflows the page; element edges catch what only
        // runs into the page's own margin, which a scroll width does not see.
        const overflow = await narrow.evaluate<{ page: number; main: number; past: string[] }>(
          `(() => {
            const m = document.querySelector('main');
            const section = m.querySelector('section');
            const edge = section.getBoundingClientRect().right - parseFloat(getComputedStyle(section).paddingRight);
            const past = [...section.querySelectorAll('*')]
              .filter((e) => e.getBoundingClientRect().right > edge + 0.5 && e.getClientRects().length > 0)
              .map((e) => e.tagName.toLowerCase() + (e.dataset.testid ? '[' + e.dataset.testid + ']' : ''));
            return { page: document.documentElement.scrollWidth - document.documentElement.clientWidth, main: m.scrollWidth - m.clientWidth, past: past.slice(0, 5) };
          })()`,
        );
        if (hash === '#/servers') await narrow.screenshot({ path: join(SHOTS, 'servers-1024.png') });
        expect(overflow, hash).toEqual({ page: 0, main: 0, past: [] });
      }
    } finally {
      await narrow.close();
    }
  });

  it('says so when the connection to the manager is lost', async () => {
    await page.goto(`${url}#/servers`);
    await dotOf('everything').waitFor();
    await expect(page.getByTestId('reconnecting').count()).resolves.toBe(0);
    await stopManager(env);
    await page.getByTestId('reconnecting').waitFor({ timeout: 30_000 });
    await shot('disconnected');
  });
});
