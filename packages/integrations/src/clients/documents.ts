import jsonc from 'jsonc-parser';
import type { FormattingOptions, ParseError } from 'jsonc-parser';
import * as YAML from 'yaml';
import type * as TomlEditModule from '@rainbowatcher/toml-edit-js';

/** Where a file does not parse: 1-based line and column, as editors show them. */
export interface ParseProblem {
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

/**
 * One client config format, edited in place: only the bytes of our entry change; everything
 * else (other servers, key order, comments, blank lines) stays as it was.
 */
export interface DocumentFormat {
  /** undefined when the text parses. */
  problem(text: string): Promise<ParseProblem | undefined>;
  /** The value at `path`, or undefined. */
  get(text: string, path: readonly string[]): Promise<unknown>;
  /** `path` set to `value` (or removed when undefined), containers made as needed. */
  set(text: string, path: readonly string[], value: unknown): Promise<string>;
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}

/** The file's own indentation (tabs, or the first indent's width), so inserted lines match. */
function formattingOf(text: string): FormattingOptions {
  const indent = /\n([ \t]+)\S/.exec(text)?.[1];
  return {
    insertSpaces: indent === undefined || !indent.startsWith('\t'),
    tabSize: indent === undefined || indent.startsWith('\t') ? 2 : indent.length,
    eol: text.includes('\r\n') ? '\r\n' : '\n',
  };
}

function isEmptyObject(value: unknown): boolean {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0
  );
}

/** JSON and JSON with comments (VS Code, Zed), through jsonc-parser's edits. */
export const jsonFormat: DocumentFormat = {
  problem(text) {
    const errors: ParseError[] = [];
    jsonc.parse(text, errors, { allowTrailingComma: true, disallowComments: false });
    const [first] = errors;
    if (first === undefined) return Promise.resolve(undefined);
    return Promise.resolve({
      ...lineColumn(text, first.offset),
      message: jsonc.printParseErrorCode(first.error),
    });
  },
  get(text, path) {
    const tree = jsonc.parseTree(text);
    const node = tree === undefined ? undefined : jsonc.findNodeAtLocation(tree, [...path]);
    return Promise.resolve(node === undefined ? undefined : (jsonc.getNodeValue(node) as unknown));
  },
  async set(text, path, value) {
    const root = text.trim() === '' ? {} : await this.get(text, []);
    if (value !== undefined && isEmptyObject(root)) {
      // A new (or empty) file: written whole, as the client itself would write it.
      const nested = path.reduceRight<unknown>((inner, key) => ({ [key]: inner }), value);
      return `${JSON.stringify(nested, null, 2)}\n`;
    }
    const source = text.trim() === '' ? '{}\n' : text;
    const options = formattingOf(source);
    const parent = path.slice(0, -1);
    const siblings = parent.length === 0 ? undefined : await this.get(source, parent);
    // Into an empty `{}` (or out of one we filled), the container is rewritten whole: a key
    // inserted into `{}` would otherwise share its braces' line.
    if (value !== undefined && isEmptyObject(siblings))
      return edit(source, parent, { [path.at(-1) ?? '']: value }, options);
    if (
      value === undefined &&
      typeof siblings === 'object' &&
      siblings !== null &&
      Object.keys(siblings).length === 1
    )
      return edit(source, parent, {}, options);
    return edit(source, path, value, options);
  },
};

/** One jsonc edit, the inserted text formatted like the file and nothing else touched. */
function edit(text: string, path: readonly string[], value: unknown, options: FormattingOptions): string {
  const edits = jsonc.modify(text, [...path], value, {});
  const out = jsonc.applyEdits(text, edits);
  const [inserted] = edits;
  if (value === undefined || inserted === undefined || isEmptyObject(value)) return out;
  return jsonc.applyEdits(
    out,
    jsonc.format(out, { offset: inserted.offset, length: inserted.content.length }, options),
  );
}

/** Digits index a list (Continue's `mcpServers` is a list of named entries). */
function yamlKeys(path: readonly string[]): (string | number)[] {
  return path.map((key) => (/^\d+$/.test(key) ? Number(key) : key));
}

/** Where a node's text starts and ends (after its line's end). */
function nodeEnd(text: string, node: YAML.Node | YAML.Pair | null | undefined): number | undefined {
  const value = YAML.isPair(node) ? (node.value as YAML.Node | null) : node;
  const end =
    value?.range?.[1] ?? (YAML.isPair(node) ? (node.key as YAML.Node | null)?.range?.[1] : undefined);
  if (end === undefined) return undefined;
  const newline = text.indexOf('\n', end);
  return newline < 0 ? text.length : newline + 1;
}

function lineStartOf(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

function itemStart(item: unknown): number | undefined {
  const node = YAML.isPair(item) ? (item.key as YAML.Node | null) : (item as YAML.Node | null);
  return node?.range?.[0];
}

/** Our entry rendered as block YAML at `indent`, as one more item of its collection. */
function renderItem(key: string | number, value: unknown, indent: number): string {
  const body = typeof key === 'number' ? YAML.stringify([value]) : YAML.stringify({ [key]: value });
  return body
    .split('\n')
    .map((line) => (line === '' ? line : `${' '.repeat(indent)}${line}`))
    .join('\n');
}

/**
 * YAML (Continue, Goose). The yaml Document API finds the nodes; the text is then spliced at
 * their ranges rather than printed again, so every other byte (comments, flow lists, blank
 * lines, quoting) stays as it was.
 */
export const yamlFormat: DocumentFormat = {
  problem(text) {
    const document = YAML.parseDocument(text, { prettyErrors: false });
    const [first] = document.errors;
    if (first === undefined) return Promise.resolve(undefined);
    const at = first.linePos?.[0];
    return Promise.resolve({
      line: at?.line ?? 1,
      column: at?.col ?? 1,
      message: first.message.split('\n')[0] ?? '',
    });
  },
  get(text, path) {
    const value: unknown = YAML.parseDocument(text).getIn(yamlKeys(path));
    return Promise.resolve(YAML.isNode(value) ? value.toJSON() : value);
  },
  set(text, path, value) {
    return Promise.resolve(yamlSet(text, yamlKeys(path), value));
  },
};

function yamlSet(text: string, keys: (string | number)[], value: unknown): string {
  const document = YAML.parseDocument(text);
  const key = keys.at(-1);
  const parent = keys.length === 1 ? document.contents : document.getIn(keys.slice(0, -1), true);
  if (key === undefined) return text;
  const block = (YAML.isMap(parent) || YAML.isSeq(parent)) && !parent.flow;
  if (!block) return printed(document, keys, value, text);
  const items = parent.items as unknown[];
  const index = YAML.isSeq(parent)
    ? typeof key === 'number'
      ? key
      : -1
    : items.findIndex((item) => YAML.isPair(item) && YAML.isScalar(item.key) && item.key.value === key);
  let out = text;
  const existing = index >= 0 ? items[index] : undefined;
  let insertAt: number | undefined;
  if (existing !== undefined) {
    const start = itemStart(existing);
    const end = nodeEnd(text, existing as YAML.Node);
    if (start === undefined || end === undefined) return printed(document, keys, value, text);
    const from = lineStartOf(text, start);
    out = text.slice(0, from) + text.slice(end);
    insertAt = from;
  }
  if (value === undefined) return out;
  const first = items[0];
  const firstStart = itemStart(first);
  if (firstStart === undefined) return printed(document, keys, value, text);
  // A list item's range starts after its "- "; the dash is where the indent is.
  const indent = firstStart - lineStartOf(text, firstStart) - (YAML.isSeq(parent) ? 2 : 0);
  if (insertAt === undefined) {
    const last = nodeEnd(text, items.at(-1) as YAML.Node);
    if (last === undefined) return printed(document, keys, value, text);
    insertAt = last;
    if (insertAt === out.length && !out.endsWith('\n')) {
      out += '\n';
      insertAt += 1;
    }
  }
  return (
    out.slice(0, insertAt) +
    renderItem(typeof key === 'number' ? 0 : key, value, indent) +
    out.slice(insertAt)
  );
}

/** A new top-level key, or a container that is empty or in flow style: printed by the library. */
function printed(
  document: YAML.Document.Parsed,
  keys: (string | number)[],
  value: unknown,
  text: string,
): string {
  if (keys.length === 1 && value !== undefined && !document.has(keys[0])) {
    const separator = text === '' || text.endsWith('\n') ? '' : '\n';
    return `${text}${separator}${YAML.stringify({ [String(keys[0])]: value })}`;
  }
  if (value === undefined) document.deleteIn(keys);
  else document.setIn(keys, document.createNode(value));
  return document.toString();
}

type TomlEdit = typeof TomlEditModule;
let toml: Promise<TomlEdit> | undefined;

/**
 * toml_edit, loaded on first use: its module awaits at the top level (to find its WebAssembly),
 * which a CommonJS bundle (the Podman Desktop extension) can only reach through import().
 */
function tomlLibrary(): Promise<TomlEdit> {
  return (toml ??= import('@rainbowatcher/toml-edit-js').then(async (library) => {
    await library.default();
    return library;
  }));
}

/** TOML (Codex), through toml_edit (compiled to WebAssembly), which keeps the layout. */
export const tomlFormat: DocumentFormat = {
  async problem(text) {
    const { parse } = await tomlLibrary();
    try {
      parse(text);
      return undefined;
    } catch (error) {
      const message = String(error instanceof Error ? error.message : error);
      const at = /line (\d+), column (\d+)/.exec(message);
      return {
        line: Number(at?.[1] ?? 1),
        column: Number(at?.[2] ?? 1),
        message:
          message.split('\n').find((line) => line.trim() !== '' && !line.includes('parse error')) ?? message,
      };
    }
  },
  async get(text, path) {
    const { parse } = await tomlLibrary();
    let value: unknown = parse(text);
    for (const key of path)
      value =
        typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
    return value;
  },
  async set(text, path, value) {
    const { edit } = await tomlLibrary();
    const [top] = path;
    if (value === undefined && path.length === 1 && top !== undefined) {
      // toml_edit cannot remove a top-level table by path; an empty one is only its header line.
      const header = new RegExp(
        `^\\[${top.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\][ \t]*(?:\\r?\\n)*`,
        'm',
      );
      if (isEmptyObject(await this.get(text, path)) && header.test(text)) return text.replace(header, '');
    }
    return edit(
      text,
      path.map((key) => (/^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key))).join('.'),
      value,
      {
        inline: false,
        finalNewline: text === '' || text.endsWith('\n'),
      },
    );
  },
};
