import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '@mcpman/core';
import { configuration, host } from './test/podman-desktop-api.mock.js';
import { readSettings } from './settings.js';

const root = new URL('../../../', import.meta.url);
const json = (path: string): unknown => JSON.parse(readFileSync(new URL(path, root), 'utf8')) as unknown;

/** Every `default` under a key that mentions telemetry, wherever it sits in `value`. */
function telemetryDefaults(value: unknown, path: string[] = [], inTelemetry = false): [string, unknown][] {
  if (typeof value !== 'object' || value === null) return [];
  const found: [string, unknown][] = [];
  for (const [key, child] of Object.entries(value)) {
    const here = inTelemetry || /telemetry/i.test(key);
    if (key === 'default' && here) found.push([path.join('.'), child]);
    found.push(...telemetryDefaults(child, [...path, key], here));
  }
  return found;
}

/** True anywhere in a default value: `{ enabled: true }` turns telemetry on as surely as `true`. */
const turnsOn = (value: unknown): boolean =>
  value === true || (typeof value === 'object' && value !== null && Object.values(value).some(turnsOn));

describe('telemetry is opt-in everywhere', () => {
  it('no default in the extension manifest, the config JSON schema or the packages turns it on', () => {
    const sources: Record<string, unknown> = {
      'packages/extension/package.json': json('packages/extension/package.json'),
      'schema/mcpman.schema.json': json('schema/mcpman.schema.json'),
    };
    for (const pkg of ['cli', 'core', 'gateway', 'shared', 'ui'])
      sources[`packages/${pkg}/package.json`] = json(`packages/${pkg}/package.json`);
    const defaults = Object.entries(sources).flatMap(([file, value]) =>
      telemetryDefaults(value).map(([path, found]) => [`${file}: ${path}`, found] as const),
    );
    // The manifest's setting and the schema's telemetry section are both read: a test that
    // found nothing would prove nothing.
    expect(defaults.map(([where]) => where)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('mcpman.telemetry.enabled'),
        expect.stringMatching(/schema\/mcpman\.schema\.json: .*telemetry.*enabled/),
      ]),
    );
    expect(defaults.filter(([, value]) => turnsOn(value))).toEqual([]);
  });

  it('the config schema and the extension settings read as off when nothing is set', () => {
    expect(parseConfigText('version: 1\nservers: {}\n').config.telemetry.enabled).toBe(false);
    host.reset();
    const read = readSettings(configuration.getConfiguration('mcpman'), '/storage');
    expect(read.ok && read.settings.telemetry).toBe(false);
  });
});
