import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import * as YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { generateJsonSchema } from './json-schema.js';
import { spliceFieldReference } from './reference-doc.js';

const repo = (path: string): string => fileURLToPath(new URL(`../../../../${path}`, import.meta.url));

async function yamlFile(path: string): Promise<unknown> {
  return YAML.parse(await readFile(repo(path), 'utf8')) as unknown;
}

describe('published JSON Schema', () => {
  it('is committed and up to date (run `npm run schema` after changing the zod schema)', async () => {
    const committed = JSON.parse(await readFile(repo('schema/mcpman.schema.json'), 'utf8')) as unknown;
    expect(committed).toEqual(generateJsonSchema());
  });

  it('keeps the field reference in docs/configuration.md up to date', async () => {
    const doc = await readFile(repo('docs/configuration.md'), 'utf8');
    expect(doc).toBe(spliceFieldReference(doc, generateJsonSchema()));
  });

  it('accepts the examples and rejects the mistakes an editor should flag', async () => {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    const validate = ajv.compile(generateJsonSchema());
    for (const example of ['examples/everything.yaml', 'examples/multi.yaml']) {
      expect(validate(await yamlFile(example)), `${example}: ${ajv.errorsText(validate.errors)}`).toBe(true);
    }
    expect(validate(await yamlFile('packages/core/test-fixtures/five-mistakes.yaml'))).toBe(false);
    const paths = (validate.errors ?? []).map((e) => e.instancePath);
    for (const field of [
      'resourceLimits/memory',
      'resourceLimits/cpus',
      'securityPolicies/network',
      'health/interval',
      'restart/policy',
    ]) {
      expect(
        paths.some((p) => p.endsWith(field)),
        field,
      ).toBe(true);
    }
  });
});
