/**
 * Where a server's image comes from. Users write a short string (`npx://pkg@1.2.3`, `image:REF`,
 * `build:DIR`) or an object with extra options; both normalise to `ServerSource`.
 */

export interface NpxSource {
  readonly type: 'npx';
  /** npm package name, with scope when it has one. */
  readonly package: string;
  /** Exact version, range or dist-tag; `latest` when omitted. */
  readonly version: string;
  /** Which of the package's bins to run, when it has several. */
  readonly bin?: string;
}

/** A Python package from a package index, run with a Python built into a local base image. */
export interface PypiSource {
  readonly type: 'pypi';
  /** The distribution's name on the index (PEP 508). */
  readonly package: string;
  /** Exact version, or `latest`. */
  readonly version: string;
  /** Which console script to run when it has several. */
  readonly bin?: string;
  /** A package index (its simple API URL) instead of pip's configured ones. */
  readonly index?: string;
}

export type PullPolicy = 'missing' | 'always' | 'never';

export interface ImageSource {
  readonly type: 'image';
  readonly ref: string;
  readonly pull: PullPolicy;
}

export interface BuildSource {
  readonly type: 'build';
  /** Build context, relative to the config file unless absolute. */
  readonly context: string;
  /** Containerfile path inside the context. */
  readonly containerfile: string;
  readonly buildArgs: Readonly<Record<string, string>>;
}

/** A server mcpman does not run: reached at its URL (`url:` in the config). */
export interface RemoteSource {
  readonly type: 'remote';
  readonly url: string;
  /** Sent on every request; `${secret:NAME}` templates are filled when connecting. */
  readonly headers: Readonly<Record<string, string>>;
}

export type ServerSource = NpxSource | PypiSource | ImageSource | BuildSource | RemoteSource;
/** The sources mcpman runs in a container. */

/** npm's own naming rules (lowercase, URL-safe, optional scope). */
export const NPM_NAME_PATTERN = /^(?:@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/;
/** OCI image reference, loosely: registry/path:tag@digest with the characters those allow. */
export const IMAGE_REF_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9._\-/:@]*$/;
const NPM_VERSION_PATTERN = /^[0-9A-Za-z.*^~<>=|_+-]+$/;
/** PEP 508 distribution names. */
export const PYPI_NAME_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;
/** A PEP 440 version (public part, loosely): pinned, so the image is the same every time. */
const PYPI_VERSION_PATTERN =
  /^(?:latest|[0-9]+(?:\.[0-9]+)*(?:(?:a|b|rc)[0-9]+)?(?:\.post[0-9]+)?(?:\.dev[0-9]+)?)$/;

export const SOURCE_HELP =
  'npx://<package>[@<version>], pypi://<package>[@<version>], image:<image reference>, build:<directory>, or an object {npx|pypi|image|build: …}';

export type SourceParseResult = { ok: true; source: ServerSource } | { ok: false; message: string };

/** Split `@scope/name@1.2.3` into name and version without tripping on the scope's `@`. */
export function parseNpmSpec(spec: string): { name: string; version: string } {
  const at = spec.indexOf('@', spec.startsWith('@') ? 1 : 0);
  if (at === -1) return { name: spec, version: 'latest' };
  return { name: spec.slice(0, at), version: spec.slice(at + 1) || 'latest' };
}

export function npxSourceFrom(spec: string, bin?: string): SourceParseResult {
  const { name, version } = parseNpmSpec(spec);
  if (!NPM_NAME_PATTERN.test(name)) {
    return { ok: false, message: `"${name}" is not a valid npm package name` };
  }
  if (!NPM_VERSION_PATTERN.test(version)) {
    return { ok: false, message: `"${version}" is not a valid npm version, range or tag` };
  }
  return { ok: true, source: { type: 'npx', package: name, version, ...(bin === undefined ? {} : { bin }) } };
}

export function pypiSourceFrom(spec: string, bin?: string, index?: string): SourceParseResult {
  const at = spec.indexOf('@');
  const name = at === -1 ? spec : spec.slice(0, at);
  const version = at === -1 ? 'latest' : spec.slice(at + 1) || 'latest';
  if (!PYPI_NAME_PATTERN.test(name)) {
    return { ok: false, message: `"${name}" is not a valid Python package name` };
  }
  if (!PYPI_VERSION_PATTERN.test(version)) {
    return { ok: false, message: `"${version}" is not an exact Python package version (or latest)` };
  }
  if (index !== undefined && !/^https?:\/\/\S+$/.test(index)) {
    return { ok: false, message: `"${index}" is not the http(s) URL of a package index` };
  }
  return {
    ok: true,
    source: {
      type: 'pypi',
      package: name,
      version,
      ...(bin === undefined ? {} : { bin }),
      ...(index === undefined ? {} : { index }),
    },
  };
}

export function imageSourceFrom(ref: string, pull: PullPolicy = 'missing'): SourceParseResult {
  if (!IMAGE_REF_PATTERN.test(ref)) return { ok: false, message: `"${ref}" is not a valid image reference` };
  return { ok: true, source: { type: 'image', ref, pull } };
}

export function buildSourceFrom(
  context: string,
  containerfile = 'Containerfile',
  buildArgs: Readonly<Record<string, string>> = {},
): SourceParseResult {
  if (context.trim() === '') return { ok: false, message: 'the build directory is empty' };
  return { ok: true, source: { type: 'build', context, containerfile, buildArgs } };
}

/** Parse the string form of a source. */
export function parseSourceString(value: string): SourceParseResult {
  const text = value.trim();
  if (text.startsWith('npx://')) return npxSourceFrom(text.slice('npx://'.length));
  if (text.startsWith('image:')) return imageSourceFrom(text.slice('image:'.length));
  if (text.startsWith('docker://')) return imageSourceFrom(text.slice('docker://'.length));
  if (text.startsWith('build:')) return buildSourceFrom(text.slice('build:'.length));
  if (text.startsWith('pypi://')) return pypiSourceFrom(text.slice('pypi://'.length));
  if (text.startsWith('uvx://')) {
    return { ok: false, message: 'uvx:// is written pypi://<package>[@<version>] here' };
  }
  return { ok: false, message: `"${text}" is not a known source form` };
}

/** The canonical string for a source, as `mcpman add` and `ls` show it. */
export function formatSource(source: ServerSource): string {
  switch (source.type) {
    case 'npx':
      return `npx://${source.package}@${source.version}`;
    case 'pypi':
      return `pypi://${source.package}@${source.version}`;
    case 'image':
      return `image:${source.ref}`;
    case 'build':
      return `build:${source.context}`;
    case 'remote':
      return source.url;
  }
}
