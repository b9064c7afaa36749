import * as z from 'zod';

export type PathSegment = string | number;

/** One problem in a config file, in the words a user needs to fix it. */
export interface ConfigIssue {
  /** `servers.everything.resourceLimits.memory` */
  readonly path: string;
  readonly segments: readonly PathSegment[];
  /** Whether the problem is the key itself (unknown or badly named) or the value under it. */
  readonly at: 'key' | 'value';
  /** What is wrong and what is allowed. */
  readonly message: string;
  /** The offending value, when there is one worth showing. */
  readonly value?: unknown;
  /** 1-based position in the source file, when known. */
  readonly line?: number;
  readonly column?: number;
}

const SIMPLE_KEY = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** `servers.everything.args[0]`, with odd keys quoted: `labels["app.kubernetes.io/name"]`. */
export function formatPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (SIMPLE_KEY.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out === '' ? '(root)' : out;
}

/** Show a value briefly: strings quoted, long things cut. */
export function formatValue(value: unknown): string {
  const text = value === undefined ? 'nothing' : JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

type Issue = z.core.$ZodIssue;

function describeExpected(issue: Issue & { code: 'invalid_type' }): string {
  return issue.expected === 'nonoptional' ? 'a value' : issue.expected;
}

/** A branch that failed only because the value was the wrong shape for it is not the user's intent. */
function typeMismatchAtRoot(issues: readonly Issue[]): boolean {
  return issues.some((issue) => issue.path.length === 0 && issue.code === 'invalid_type');
}

function stripZodPrefix(message: string): string {
  return message.replace(/^(Invalid input|Too small|Too big|Invalid option|Invalid string): /, '');
}

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    let previous = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const current = row[j] ?? 0;
      row[j] = Math.min(current + 1, (row[j - 1] ?? 0) + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length] ?? 0;
}

export function closestKey(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = distance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

/** Object keys the schema accepts at `path`, found by walking the schema the way the data was walked. */
export function knownKeysAt(schema: z.ZodType, path: readonly PathSegment[]): string[] {
  let current: z.ZodType[] = [schema];
  const unwrap = (type: z.ZodType): z.ZodType[] => {
    if (type instanceof z.ZodDefault || type instanceof z.ZodPrefault || type instanceof z.ZodOptional) {
      return unwrap(type.unwrap() as z.ZodType);
    }
    if (type instanceof z.ZodPipe) return unwrap(type.in as z.ZodType);
    if (type instanceof z.ZodUnion) return (type.options as z.ZodType[]).flatMap(unwrap);
    return [type];
  };
  for (const segment of path) {
    const next: z.ZodType[] = [];
    for (const type of current.flatMap(unwrap)) {
      if (type instanceof z.ZodObject && typeof segment === 'string') {
        const child = (type.shape as Record<string, z.ZodType | undefined>)[segment];
        if (child !== undefined) next.push(child);
      } else if (type instanceof z.ZodRecord) {
        next.push(type.valueType as z.ZodType);
      } else if (type instanceof z.ZodArray && typeof segment === 'number') {
        next.push(type.element as z.ZodType);
      }
    }
    current = next;
  }
  return current
    .flatMap(unwrap)
    .flatMap((type) => (type instanceof z.ZodObject ? Object.keys(type.shape as object) : []));
}

function issueValue(issue: Issue): unknown {
  const input = (issue as { input?: unknown }).input;
  return typeof input === 'object' && input !== null ? undefined : input;
}

/**
 * Flatten zod's issues into one ConfigIssue per real problem: union failures are narrowed to the
 * branch the user meant, unknown keys get one issue each with a suggestion.
 */
export function issuesFromZod(
  schema: z.ZodType,
  issues: readonly Issue[],
  prefix: readonly PathSegment[] = [],
): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of issues) {
    const segments: PathSegment[] = [
      ...prefix,
      ...issue.path.filter((s): s is PathSegment => typeof s !== 'symbol'),
    ];
    const push = (
      message: string,
      at: PathSegment[] = segments,
      value: unknown = issueValue(issue),
      target: 'key' | 'value' = 'value',
    ): void => {
      out.push({
        path: formatPath(at),
        segments: at,
        at: target,
        message,
        ...(value === undefined ? {} : { value }),
      });
    };
    switch (issue.code) {
      case 'invalid_union': {
        const branches = issue.errors.filter((branch) => !typeMismatchAtRoot(branch));
        if (branches.length === 0) {
          const expected = [
            ...new Set(
              issue.errors
                .flat()
                .flatMap((i) => (i.code === 'invalid_type' && i.path.length === 0 ? [i.expected] : [])),
            ),
          ];
          const what = `expected ${expected.join(' or ')}`;
          push(issue.input === undefined ? `is required (${what})` : what);
        } else {
          const best = [...branches].sort((a, b) => a.length - b.length)[0] ?? [];
          out.push(...issuesFromZod(schema, best, segments));
        }
        break;
      }
      case 'invalid_key':
        for (const inner of issue.issues) push(stripZodPrefix(inner.message), segments, issue.input, 'key');
        break;
      case 'unrecognized_keys': {
        const known = knownKeysAt(schema, segments);
        for (const key of issue.keys) {
          const guess = closestKey(key, known);
          const hint = guess === undefined ? `allowed: ${known.join(', ')}` : `did you mean "${guess}"?`;
          push(`unknown field "${key}"; ${hint}`, [...segments, key], undefined, 'key');
        }
        break;
      }
      case 'invalid_type':
        if ((issue as { input?: unknown }).input === undefined)
          push(`is required (expected ${describeExpected(issue)})`);
        else push(`expected ${describeExpected(issue)}`);
        break;
      case 'invalid_value':
        push(`expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`);
        break;
      default:
        push(stripZodPrefix(issue.message));
    }
  }
  return out;
}

/** `file:line:col path: message (got value)` */
export function formatIssue(issue: ConfigIssue, file?: string): string {
  const where =
    issue.line === undefined
      ? (file ?? '')
      : `${file ?? ''}:${issue.line}${issue.column === undefined ? '' : `:${issue.column}`}`;
  const got = issue.value === undefined ? '' : ` (got ${formatValue(issue.value)})`;
  return `${where === '' ? '' : `${where} `}${issue.path}: ${issue.message}${got}`;
}
