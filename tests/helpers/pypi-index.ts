import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { normalise } from '../../packages/core/src/images/python-packages.js';
import { REPO } from './cli.js';

const run = promisify(execFile);

/** The test server's distribution on the local index (tests/fixtures/pypi-server). */
export const CLOCK_PACKAGE = 'mcpman-test-clock';
export const CLOCK_VERSION = '0.1.0';
/** A wheel with a sitecustomize.py that writes this file on the machine that imports it. */
export const HOSTILE_PACKAGE = 'mcpman-test-hostile';
export const HOSTILE_MARKER = join(tmpdir(), 'mcpman-hostile-wheel-ran');

export interface PypiIndex {
  /** The simple API root, for PIP_INDEX_URL or a source's `index:`. */
  readonly simpleUrl: string;
  /** Every path asked, in order. */
  readonly requests: readonly string[];
  close(): Promise<void>;
}

/** The project a wheel or sdist file belongs to (the part of its name before the version). */
function projectOf(file: string): string {
  return normalise(file.replace(/\.(whl|tar\.gz|zip)$/, '').split('-')[0] ?? file);
}

/**
 * The wheels the index serves: the test server's, made by its script, and the official MCP
 * Python SDK with its dependencies, downloaded once by this machine's pip from the indexes pip
 * is configured with (kept in the temp folder between runs).
 */
export async function clockWheels(): Promise<string> {
  const dir = join(tmpdir(), 'mcpman-test-wheels');
  await mkdir(dir, { recursive: true });
  const make = join(REPO, 'tests/fixtures/pypi-server/make_wheel.py');
  await run('python3', [make, dir, CLOCK_VERSION]);
  await run('python3', [make, dir, CLOCK_VERSION, '--hostile', HOSTILE_MARKER]);
  const have = await readdir(dir);
  if (!have.some((file) => file.startsWith('mcp-2')))
    await run(
      'python3',
      ['-m', 'pip', 'download', '--retries', '0', '--disable-pip-version-check', '-q', '-d', dir, 'mcp>=2'],
      { timeout: 300_000 },
    );
  return dir;
}

/** A real package index on loopback speaking PEP 503's simple API over HTTP. */
export async function startPypiIndex(dir: string): Promise<PypiIndex> {
  const files = (await readdir(dir)).filter((file) => /\.(whl|tar\.gz|zip)$/.test(file));
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    requests.push(path);
    const project = /^\/simple\/([^/]+)\/?$/.exec(path)?.[1];
    if (path === '/simple/' || path === '/simple') {
      const projects = [...new Set(files.map(projectOf))].sort();
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(
        `<!DOCTYPE html><html><body>${projects.map((p) => `<a href="${p}/">${p}</a>`).join('\n')}</body></html>`,
      );
      return;
    }
    if (project !== undefined) {
      const own = files.filter((file) => projectOf(file) === normalise(decodeURIComponent(project)));
      if (own.length === 0) {
        res.writeHead(404).end('not found');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(
        `<!DOCTYPE html><html><body>${own.map((file) => `<a href="/files/${file}">${file}</a>`).join('\n')}</body></html>`,
      );
      return;
    }
    const file = /^\/files\/([^/]+)$/.exec(path)?.[1];
    if (file !== undefined && files.includes(decodeURIComponent(file))) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      createReadStream(join(dir, decodeURIComponent(file))).pipe(res);
      return;
    }
    res.writeHead(404).end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    simpleUrl: `http://127.0.0.1:${port}/simple/`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
