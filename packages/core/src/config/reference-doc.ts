/**
 * Renders the field reference of docs/configuration.md from the JSON Schema, so the reference
 * cannot drift from the schema: a test compares the committed file with this output.
 */

type JsonSchema = Readonly<Record<string, unknown>>;

interface FieldRow {
  readonly path: string;
  readonly type: string;
  readonly defaultValue: string;
  readonly description: string;
}

function asSchema(value: unknown): JsonSchema | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as JsonSchema)
    : undefined;
}

function schemaList(value: unknown): JsonSchema[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((item: unknown): JsonSchema[] => {
    const schema = asSchema(item);
    return schema === undefined ? [] : [schema];
  });
}

function describeType(schema: JsonSchema): string {
  const kind = schema['x-mcpman-type'];
  if (kind === 'size') return 'size (bytes, or e.g. 512Mi)';
  if (kind === 'duration') return 'duration (ms, or e.g. 10s)';
  if (Array.isArray(schema['enum'])) return schema['enum'].map((v) => `\`${JSON.stringify(v)}\``).join(' | ');
  if (schema['const'] !== undefined) return `\`${JSON.stringify(schema['const'])}\``;
  const variants = schemaList(schema['anyOf'] ?? schema['oneOf']);
  if (variants.length > 0) return [...new Set(variants.map(describeType))].join(' or ');
  const type = schema['type'];
  if (type === 'array') {
    const items = asSchema(schema['items']);
    return `list of ${items === undefined ? 'values' : describeType(items)}`;
  }
  if (type === 'object') return 'object';
  if (type === 'string' && typeof schema['pattern'] === 'string')
    return `string matching \`${schema['pattern']}\``;
  if (typeof type === 'string') {
    const exclusive = typeof schema['exclusiveMinimum'] === 'number';
    const min = exclusive ? schema['exclusiveMinimum'] : schema['minimum'];
    const max = schema['maximum'];
    const bounds: string[] = [];
    // zod writes ±MAX_SAFE_INTEGER for plain integers: not a bound worth printing.
    if (typeof min === 'number' && Math.abs(min) < 1e15) bounds.push(`${exclusive ? '>' : '≥'} ${min}`);
    if (typeof max === 'number' && Math.abs(max) < 1e15) bounds.push(`≤ ${max}`);
    return bounds.length === 0 ? type : `${type} (${bounds.join(', ')})`;
  }
  return 'value';
}

function objectVariants(schema: JsonSchema): JsonSchema[] {
  const variants = schemaList(schema['anyOf'] ?? schema['oneOf']);
  if (variants.length > 0) return variants.flatMap(objectVariants);
  return schema['type'] === 'object' ? [schema] : [];
}

function collect(schema: JsonSchema, path: string, rows: FieldRow[]): void {
  for (const variant of objectVariants(schema)) {
    const properties = asSchema(variant['properties']);
    if (properties !== undefined) {
      for (const [key, value] of Object.entries(properties)) {
        const child = asSchema(value);
        if (child === undefined || key === '$schema') continue;
        const childPath = path === '' ? key : `${path}.${key}`;
        const existing = rows.findIndex((row) => row.path === childPath);
        const type = describeType(child);
        const previous = rows[existing];
        if (previous !== undefined) {
          // The same field in several union variants (transport.type): list every variant's type.
          if (!previous.type.split(' | ').includes(type))
            rows[existing] = { ...previous, type: `${previous.type} | ${type}` };
        } else {
          rows.push({
            path: childPath,
            type,
            defaultValue: child['default'] === undefined ? '' : `\`${JSON.stringify(child['default'])}\``,
            description: typeof child['description'] === 'string' ? child['description'] : '',
          });
        }
        collect(child, childPath, rows);
      }
    }
    const additional = asSchema(variant['additionalProperties']);
    if (additional !== undefined && objectVariants(additional).length > 0) {
      collect(additional, `${path}.<name>`, rows);
    }
  }
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** Markdown table of every field: path, type, default, description. */
export function renderFieldReference(schema: JsonSchema): string {
  const rows: FieldRow[] = [];
  collect(schema, '', rows);
  const lines = ['| Field | Type | Default | Description |', '| --- | --- | --- | --- |'];
  for (const row of rows) {
    const description = row.description === '' ? '' : escapeCell(row.description);
    lines.push(
      `| \`${row.path}\` | ${escapeCell(row.type)} | ${escapeCell(row.defaultValue)} | ${description} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export const REFERENCE_BEGIN = '<!-- BEGIN GENERATED FIELD REFERENCE (npm run schema) -->';
export const REFERENCE_END = '<!-- END GENERATED FIELD REFERENCE -->';

/** Replace the generated block of a hand-written document, keeping everything around it. */
export function spliceFieldReference(document: string, schema: JsonSchema): string {
  const begin = document.indexOf(REFERENCE_BEGIN);
  const end = document.indexOf(REFERENCE_END);
  if (begin === -1 || end === -1 || end < begin) {
    throw new Error(`the document has no ${REFERENCE_BEGIN} … ${REFERENCE_END} block`);
  }
  return `${document.slice(0, begin + REFERENCE_BEGIN.length)}\n\n${renderFieldReference(schema)}\n${document.slice(end)}`;
}
