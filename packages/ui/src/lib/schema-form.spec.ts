import { describe, expect, it } from 'vitest';
import { fieldsOf, toArguments } from './schema-form.js';

const schema = {
  type: 'object',
  properties: {
    message: { type: 'string', description: 'What to echo' },
    count: { type: 'integer', default: 2 },
    ratio: { type: 'number' },
    loud: { type: 'boolean' },
    mode: { type: 'string', enum: ['a', 'b'] },
    options: { type: 'object' },
  },
  required: ['message', 'count'],
};

describe('tool tester form', () => {
  it('makes one typed field per property, with required flags and defaults', () => {
    const fields = fieldsOf(schema);
    expect(fields.map((f) => [f.name, f.kind, f.required, f.initial])).toEqual([
      ['message', 'string', true, ''],
      ['count', 'integer', true, '2'],
      ['ratio', 'number', false, ''],
      ['loud', 'boolean', false, 'false'],
      ['mode', 'enum', false, ''],
      ['options', 'json', false, ''],
    ]);
    expect(fields[0]?.description).toBe('What to echo');
    expect(fields[4]?.options).toEqual(['a', 'b']);
  });

  it('turns the inputs into typed arguments, leaving empty optional fields out', () => {
    const fields = fieldsOf(schema);
    const result = toArguments(fields, { message: 'hi', count: '3', loud: 'true', options: '{"x":[1]}' });
    expect(result.errors).toEqual({});
    expect(result.args).toEqual({ message: 'hi', count: 3, loud: true, options: { x: [1] } });
  });

  it('names each field whose value does not fit', () => {
    const fields = fieldsOf(schema);
    const result = toArguments(fields, { message: '', count: '2.5', ratio: 'x', mode: 'c', options: '{' });
    expect(result.errors).toEqual({
      message: 'required',
      count: 'expected a whole number',
      ratio: 'expected a number',
      mode: 'one of a, b',
      options: 'expected JSON',
    });
  });

  it('copes with a schema that has no properties', () => {
    expect(fieldsOf({ type: 'object' })).toEqual([]);
    expect(fieldsOf(undefined)).toEqual([]);
  });
});
