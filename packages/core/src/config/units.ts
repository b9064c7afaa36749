/**
 * Sizes and durations as people write them in config files ("512Mi", "30s"), parsed to bytes and
 * milliseconds. Kept separate from the schema so the engine and gateway can reuse them.
 */

/**
 * Units are case-sensitive and spelled out, so the JSON Schema pattern (which has no flags) and
 * this parser accept exactly the same strings. Kubernetes-style Ki/Mi/Gi and Docker-style k/m/g are
 * binary; kB/KB/MB/GB/TB are decimal.
 */
const SIZE_UNITS: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  B: 1,
  k: 1024,
  K: 1024,
  Ki: 1024,
  kB: 1000,
  KB: 1000,
  m: 1024 ** 2,
  M: 1024 ** 2,
  Mi: 1024 ** 2,
  MB: 1000 ** 2,
  g: 1024 ** 3,
  G: 1024 ** 3,
  Gi: 1024 ** 3,
  GB: 1000 ** 3,
  t: 1024 ** 4,
  T: 1024 ** 4,
  Ti: 1024 ** 4,
  TB: 1000 ** 4,
};

export const SIZE_PATTERN = /^(\d+(?:\.\d+)?)(b|B|k|K|Ki|kB|KB|m|M|Mi|MB|g|G|Gi|GB|t|T|Ti|TB)?$/;
export const SIZE_HELP =
  'a number of bytes or a size such as 512Mi, 1Gi, 256m (binary: Ki, Mi, Gi, Ti, k, m, g, t; decimal: kB, MB, GB, TB)';

/** Bytes for a size string or number, or undefined when it is not one. */
export function parseSize(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : undefined;
  const match = SIZE_PATTERN.exec(value.trim());
  if (match === null) return undefined;
  const [, amount, unit = ''] = match;
  const factor = SIZE_UNITS[unit];
  if (amount === undefined || factor === undefined) return undefined;
  return Math.round(Number(amount) * factor);
}

const DURATION_UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

export const DURATION_PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
export const DURATION_HELP = 'a number of milliseconds or a duration such as 500ms, 10s, 5m, 1h';

/** Milliseconds for a duration string or number, or undefined when it is not one. */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.round(value) : undefined;
  const match = DURATION_PATTERN.exec(value.trim());
  if (match === null) return undefined;
  const [, amount, unit] = match;
  const factor = unit === undefined ? undefined : DURATION_UNITS[unit];
  if (amount === undefined || factor === undefined) return undefined;
  return Math.round(Number(amount) * factor);
}

/** "1.5 GiB", "512 MiB": for messages and tables. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let index = 0;
  while (value >= 1024 && index < units.length - 1) {
    value /= 1024;
    index += 1;
  }
  const rounded = value >= 100 || index === 0 ? Math.round(value) : Math.round(value * 10) / 10;
  return `${rounded} ${units[index] ?? 'B'}`;
}
