import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { MCPError, MCPErrorCode } from '@mcpman/protocol';

/*
 * server.json, the document the official MCP Registry serves for each server version. The types
 * below are what this project reads of it; `validateServerJson` checks a document against the
 * registry's own JSON Schema (shipped in assets/catalog/server.schema.json) before any of it is
 * trusted, so these types only describe documents that passed.
 */

export interface RegistryInput {
  readonly description?: string;
  readonly isRequired?: boolean;
  readonly format?: 'string' | 'number' | 'boolean' | 'filepath';
  readonly value?: string;
  readonly isSecret?: boolean;
  readonly default?: string;
  readonly placeholder?: string;
  readonly choices?: readonly string[];
  readonly variables?: Readonly<Record<string, RegistryInput>>;
}

export interface PositionalArgument extends RegistryInput {
  readonly type: 'positional';
  readonly valueHint?: string;
  readonly isRepeated?: boolean;
}

export interface NamedArgument extends RegistryInput {
  readonly type: 'named';
  readonly name: string;
  /** Not in the schema's NamedArgument, but documents give one, and URL templates name it. */
  readonly valueHint?: string;
  readonly isRepeated?: boolean;
}

export type RegistryArgument = PositionalArgument | NamedArgument;

export interface KeyValueInput extends RegistryInput {
  readonly name: string;
}

export interface PackageTransport {
  readonly type: 'stdio' | 'streamable-http' | 'sse';
  readonly url?: string;
  readonly headers?: readonly KeyValueInput[];
}

export interface RegistryPackage {
  readonly registryType: string;
  readonly registryBaseUrl?: string;
  readonly identifier: string;
  readonly version?: string;
  readonly fileSha256?: string;
  readonly runtimeHint?: string;
  readonly transport: PackageTransport;
  readonly runtimeArguments?: readonly RegistryArgument[];
  readonly packageArguments?: readonly RegistryArgument[];
  readonly environmentVariables?: readonly KeyValueInput[];
}

export interface RemoteTransport {
  readonly type: 'streamable-http' | 'sse';
  readonly url: string;
  readonly headers?: readonly KeyValueInput[];
  readonly variables?: Readonly<Record<string, RegistryInput>>;
}

export interface ServerIcon {
  readonly src: string;
  readonly mimeType?: string;
  readonly sizes?: readonly string[];
  readonly theme?: 'light' | 'dark';
}

export interface ServerJson {
  readonly $schema?: string;
  readonly name: string;
  readonly title?: string;
  readonly description: string;
  readonly version: string;
  readonly websiteUrl?: string;
  readonly repository?: { readonly url: string; readonly source: string; readonly subfolder?: string };
  readonly icons?: readonly ServerIcon[];
  readonly packages?: readonly RegistryPackage[];
  readonly remotes?: readonly RemoteTransport[];
}

const SCHEMA_PATH = fileURLToPath(new URL('../../assets/catalog/server.schema.json', import.meta.url));

// ajv-formats is CommonJS with a default export; under NodeNext its namespace is what we import.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (compiled === undefined) {
    const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as Record<string, unknown>;
    // strict: false because the schema carries OpenAPI's `example` keyword, which is not JSON Schema.
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    compiled = ajv.compile(schema);
  }
  return compiled;
}

function describe(error: ErrorObject): string {
  const at = error.instancePath === '' ? '(document)' : error.instancePath.slice(1).replaceAll('/', '.');
  return `${at}: ${error.message ?? error.keyword}`;
}

/**
 * The registry's schema reports every branch of an anyOf that failed; what a reader needs is the
 * deepest reasons, so the generic "must match a schema in anyOf" lines go when others remain.
 */
export function schemaProblems(errors: readonly ErrorObject[]): string[] {
  const specific = errors.filter((error) => error.keyword !== 'anyOf' && error.keyword !== 'allOf');
  return [...new Set((specific.length > 0 ? specific : errors).map(describe))];
}

/** Check `document` against the registry's server.json schema; `from` names it in errors. */
export function validateServerJson(document: unknown, from: string): ServerJson {
  const validate = validator();
  if (validate(document)) return document as ServerJson;
  const problems = schemaProblems(validate.errors ?? []);
  throw new MCPError(
    MCPErrorCode.CatalogInvalid,
    `${from} is not a valid server.json:\n  ${problems.slice(0, 8).join('\n  ')}${problems.length > 8 ? `\n  … and ${problems.length - 8} more` : ''}`,
    {
      hint: 'The document must follow the MCP Registry server.json schema (assets/catalog/server.schema.json).',
      data: { problems },
    },
  );
}
