#!/usr/bin/env node
// Refresh the bundled catalog (packages/integrations/assets/catalog/servers) from an MCP registry.
//
//   node scripts/refresh-catalog.mjs [--registry URL] [--out DIR] [--add NAME…]
//
// Every bundled document is asked for at its latest version; what the registry has replaces ours
// once it passes the server.json schema. Names the registry does not know keep our document (the
// run lists them). --add brings in more servers by registry name. Needs `npm run build` first.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { OFFICIAL_REGISTRY } from '../packages/core/dist/index.js';
import {
  BUNDLED_CATALOG_DIR,
  RegistryClient,
  validateServerJson,
} from '../packages/integrations/dist/index.js';

const { values } = parseArgs({
  options: {
    registry: { type: 'string', default: OFFICIAL_REGISTRY },
    out: { type: 'string', default: BUNDLED_CATALOG_DIR },
    add: { type: 'string', multiple: true, default: [] },
  },
});

const client = new RegistryClient(values.registry, { timeoutMs: 20_000 });
const fileOf = (name) => join(values.out, `${name.replace('/', '__')}.json`);
const files = (await readdir(values.out)).filter((file) => file.endsWith('.json'));
const names = new Set(values.add);
for (const file of files) names.add(JSON.parse(await readFile(join(values.out, file), 'utf8')).name);

const counts = { updated: 0, same: 0, kept: 0, failed: 0 };
for (const name of [...names].sort()) {
  try {
    const body = await client.getJson(client.versionUrl(name, 'latest'));
    if (body === undefined) {
      counts.kept++;
      console.log(`kept     ${name} (not in ${client.baseUrl})`);
      continue;
    }
    const document = validateServerJson(
      RegistryClient.parseEntry(body, name).server,
      `${name} from ${client.baseUrl}`,
    );
    const text = `${JSON.stringify(document, null, 2)}\n`;
    const before = await readFile(fileOf(name), 'utf8').catch(() => '');
    if (before === text) {
      counts.same++;
      continue;
    }
    await writeFile(fileOf(name), text);
    counts.updated++;
    console.log(`updated  ${name} → ${document.version}`);
  } catch (error) {
    counts.failed++;
    console.error(`failed   ${name}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
console.log(
  `${counts.updated} updated, ${counts.same} unchanged, ${counts.kept} kept (not in the registry), ${counts.failed} failed`,
);
process.exitCode = counts.failed > 0 ? 1 : 0;
