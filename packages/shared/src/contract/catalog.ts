import { z } from 'zod';

/** How a catalog server can run: a package registry type (npm, oci, pypi, …) or `remote`. */
export type SourceKind = 'npm' | 'oci' | 'pypi' | 'remote' | (string & {});

/** One server as search shows it (from a registry's server.json, or the bundled catalog). */
export interface CatalogEntry {
  /** The registry name, e.g. io.github.modelcontextprotocol/server-memory. */
  readonly name: string;
  readonly title?: string;
  readonly description: string;
  readonly version: string;
  readonly kinds: readonly SourceKind[];
  /** Environment variables and headers the document marks secret. */
  readonly secrets: readonly string[];
  readonly repository?: string;
  readonly websiteUrl?: string;
  readonly icon?: string;
  /** The registry URL it came from, or `bundled`. */
  readonly from: string;
}

export interface SearchResult {
  readonly entries: readonly CatalogEntry[];
  /** Where the answers came from: registry URLs, `<url> (cached …)`, or `bundled`. */
  readonly answeredBy: readonly string[];
  /** Registries that did not answer, and documents left out as invalid. */
  readonly problems: readonly string[];
}

export interface VersionInfo {
  readonly version: string;
  readonly isLatest: boolean;
  readonly publishedAt?: string;
}

/** The way a catalog server is added: its npm package, its OCI image, or its remote URL. */
export type PlanKind = 'npm' | 'oci' | 'pypi' | 'remote';
export type InputKind = 'env' | 'argument' | 'header' | 'variable';

/** One value the user supplies for a catalog server (or that has a default). */
export interface CatalogInput {
  /** `<kind>:<key>`: what answers are keyed by. */
  readonly id: string;
  readonly kind: InputKind;
  /** The variable or header name; an argument's valueHint or flag name. */
  readonly key: string;
  readonly description?: string;
  readonly isRequired: boolean;
  readonly isSecret: boolean;
  readonly format: 'string' | 'number' | 'boolean' | 'filepath';
  readonly default?: string;
  readonly placeholder?: string;
  readonly choices?: readonly string[];
  /** A repeated argument takes several values. */
  readonly isRepeated: boolean;
}

export interface ServerPlan {
  readonly registryName: string;
  readonly version: string;
  readonly kind: PlanKind;
  /** A server name for the config, from the registry name. */
  readonly name: string;
  /** What will run: npx://…, image:… or the URL. */
  readonly runs: string;
  readonly inputs: readonly CatalogInput[];
  /** Other ways the document offers. */
  readonly alternatives: readonly PlanKind[];
  /**
   * A package index the document chose instead of PyPI: pip would install from it, so adding
   * the server needs the user's word that they trust it (`trustIndex`).
   */
  readonly packageIndex?: string;
}

/** The dashboard's Add: a catalog server with the values its form collected. */
export interface CatalogAddRequest {
  readonly registryName: string;
  readonly version?: string;
  readonly prefer?: PlanKind;
  /** The config server name (default the plan's). */
  readonly name?: string;
  /** Non-secret values by input id; repeated arguments take several. */
  readonly values?: Readonly<Record<string, string | readonly string[]>>;
  /** Secret values by input id: stored as Podman secrets, never written to the config. */
  readonly secretValues?: Readonly<Record<string, string>>;
  /** The user trusts the plan's `packageIndex`. */
  readonly trustIndex?: boolean;
}

/** The token `answeredBy` and `from` carry for the catalog shipped in the package. */
export const BUNDLED_SOURCE = 'bundled';

/** Where catalog answers came from, in words for a person. */
export function describeSources(answeredBy: readonly string[]): string {
  return answeredBy
    .map((from) =>
      from === BUNDLED_SOURCE ? 'the catalog bundled with mcpman (no registry answered)' : from,
    )
    .join(', ');
}

const PLAN_KINDS = ['npm', 'oci', 'pypi', 'remote'] as const;

/** The add request as it arrives over RPC, checked before anything is installed. */
export const CatalogAddRequestSchema = z.strictObject({
  registryName: z.string().min(1),
  version: z.string().min(1).optional(),
  prefer: z.enum(PLAN_KINDS).optional(),
  name: z.string().min(1).optional(),
  values: z.record(z.string(), z.union([z.string(), z.array(z.string())])).optional(),
  secretValues: z.record(z.string(), z.string()).optional(),
  trustIndex: z.boolean().optional(),
});

export interface CatalogAdded {
  readonly name: string;
  readonly notes: readonly string[];
  /** Podman secrets made for the secret values. */
  readonly secrets: readonly string[];
}
