/**
 * The tool tester's form, generated from a tool's JSON Schema `inputSchema`: one field per
 * top-level property, typed inputs for scalars and enums, a JSON editor for anything deeper.
 */
export type FieldKind = 'string' | 'number' | 'integer' | 'boolean' | 'enum' | 'json';

export interface FormField {
  readonly name: string;
  readonly kind: FieldKind;
  readonly required: boolean;
  readonly description: string | undefined;
  readonly options: readonly string[];
  /** What the input starts with (the schema's default, as text). */
  readonly initial: string;
}

type Schema = Readonly<Record<string, unknown>>;

function asSchema(value: unknown): Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Schema) : {};
}

function kindOf(schema: Schema): FieldKind {
  if (Array.isArray(schema['enum']) && schema['enum'].every((v) => typeof v === 'string')) return 'enum';
  const declared = schema['type'];
  const type: unknown = Array.isArray(declared)
    ? (declared as unknown[]).find((t) => t !== 'null')
    : declared;
  if (type === 'string' || type === 'number' || type === 'integer' || type === 'boolean') return type;
  return 'json';
}

function initialOf(schema: Schema, kind: FieldKind): string {
  const value = schema['default'];
  if (value === undefined) return kind === 'boolean' ? 'false' : '';
  if (kind === 'json') return JSON.stringify(value, null, 2);
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function fieldsOf(inputSchema: unknown): FormField[] {
  const schema = asSchema(inputSchema);
  const properties = asSchema(schema['properties']);
  const required = new Set(Array.isArray(schema['required']) ? schema['required'].map(String) : []);
  return Object.entries(properties).map(([name, raw]) => {
    const property = asSchema(raw);
    const kind = kindOf(property);
    return {
      name,
      kind,
      required: required.has(name),
      description: typeof property['description'] === 'string' ? property['description'] : undefined,
      options: kind === 'enum' ? (property['enum'] as string[]) : [],
      initial: initialOf(property, kind),
    };
  });
}

export interface ArgumentsResult {
  readonly args: Record<string, unknown>;
  /** Field name → what is wrong with its value. */
  readonly errors: Readonly<Record<string, string>>;
}

/** Read the inputs back into tool arguments; empty optional fields are left out. */
export function toArguments(
  fields: readonly FormField[],
  values: Readonly<Record<string, string>>,
): ArgumentsResult {
  const args: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const field of fields) {
    const text = values[field.name] ?? field.initial;
    if (text.trim() === '' && field.kind !== 'string' && field.kind !== 'boolean') {
      if (field.required) errors[field.name] = 'required';
      continue;
    }
    if (text === '' && field.kind === 'string') {
      if (field.required) errors[field.name] = 'required';
      continue;
    }
    switch (field.kind) {
      case 'string':
        args[field.name] = text;
        break;
      case 'enum':
        if (field.options.includes(text)) args[field.name] = text;
        else errors[field.name] = `one of ${field.options.join(', ')}`;
        break;
      case 'boolean':
        args[field.name] = text === 'true';
        break;
      case 'number':
      case 'integer': {
        const value = Number(text);
        if (!Number.isFinite(value)) errors[field.name] = 'expected a number';
        else if (field.kind === 'integer' && !Number.isInteger(value))
          errors[field.name] = 'expected a whole number';
        else args[field.name] = value;
        break;
      }
      case 'json':
        try {
          args[field.name] = JSON.parse(text) as unknown;
        } catch {
          errors[field.name] = 'expected JSON';
        }
        break;
    }
  }
  return { args, errors };
}
