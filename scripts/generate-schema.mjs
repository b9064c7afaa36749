// Regenerates schema/mcpman.schema.json and the field reference in docs/configuration.md from the
// zod schema. Run after changing packages/core/src/config/schema.ts (needs `npm run build` first).
// A unit test fails when the committed files differ from what this writes.
import { readFile, writeFile } from 'node:fs/promises';
import { generateJsonSchema, spliceFieldReference } from '../packages/core/dist/index.js';

const schema = generateJsonSchema();
await writeFile(
  new URL('../schema/mcpman.schema.json', import.meta.url),
  `${JSON.stringify(schema, null, 2)}\n`,
);
const docUrl = new URL('../docs/configuration.md', import.meta.url);
const doc = await readFile(docUrl, 'utf8');
await writeFile(docUrl, spliceFieldReference(doc, schema));
console.log('wrote schema/mcpman.schema.json and docs/configuration.md');
