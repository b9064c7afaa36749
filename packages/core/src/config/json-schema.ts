import * as z from 'zod';
import { McpmanConfigSchema } from './schema.js';

export const SCHEMA_ID = 'https://mcpman.dev/schema/mcpman.schema.json';

/**
 * The JSON Schema editors use to complete and check mcpman.yaml. It describes what users write
 * (the input side: "512Mi" as well as bytes), not the normalised values the code works with.
 */
export function generateJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(McpmanConfigSchema, {
    io: 'input',
    target: 'draft-2020-12',
    unrepresentable: 'any',
    override: ({ jsonSchema }) => {
      // zod leaves out defaults of transformed fields on the input side; sizes and durations
      // carry theirs, in the form users write, under a private key.
      const record = jsonSchema as Record<string, unknown>;
      if (record['x-mcpman-default'] !== undefined) {
        record['default'] = record['x-mcpman-default'];
        delete record['x-mcpman-default'];
      }
    },
  });
  return { ...schema, $id: SCHEMA_ID };
}
