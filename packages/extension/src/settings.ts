import { join } from 'node:path';
import { z } from 'zod';
import type { Configuration } from '@podman-desktop/api';

/** The `mcpman.*` settings (Preferences → MCP Server Manager), as the manifest declares them. */
export const SETTINGS_SECTION = 'mcpman';

const SettingsSchema = z.strictObject({
  configFile: z.string().default(''),
  'gateway.port': z.number().int().min(1).max(65_535).default(7420),
  'gateway.tls.cert': z.string().default(''),
  'gateway.tls.key': z.string().default(''),
  'gateway.auth': z.enum(['none', 'token']).default('none'),
  'telemetry.enabled': z.boolean().default(false),
});

export const SETTING_KEYS = Object.keys(SettingsSchema.shape) as (keyof z.infer<typeof SettingsSchema>)[];

export interface ExtensionSettings {
  /** Absolute path of the mcpman.yaml the extension manages. */
  readonly configFile: string;
  readonly gatewayPort: number;
  readonly tls: { readonly cert: string; readonly key: string } | undefined;
  readonly authMode: 'none' | 'token';
  readonly telemetry: boolean;
}

export type SettingsResult =
  | { readonly ok: true; readonly settings: ExtensionSettings }
  | { readonly ok: false; readonly problems: readonly string[] };

/**
 * Read and check the settings; each problem names the setting and what it accepts, as the
 * CLI does for the config file.
 */
export function readSettings(configuration: Configuration, storagePath: string): SettingsResult {
  const raw = Object.fromEntries(
    SETTING_KEYS.filter((key) => configuration.has(key)).map((key) => [key, configuration.get<unknown>(key)]),
  );
  const parsed = SettingsSchema.safeParse(raw);
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.map(
        (issue) => `${SETTINGS_SECTION}.${issue.path.map(String).join('.')}: ${issue.message}`,
      ),
    };
  }
  const values = parsed.data;
  const cert = values['gateway.tls.cert'];
  const key = values['gateway.tls.key'];
  if ((cert === '') !== (key === '')) {
    return {
      ok: false,
      problems: [`${SETTINGS_SECTION}.gateway.tls: set both cert and key (PEM files), or neither`],
    };
  }
  return {
    ok: true,
    settings: {
      configFile: values.configFile === '' ? join(storagePath, 'mcpman.yaml') : values.configFile,
      gatewayPort: values['gateway.port'],
      tls: cert === '' ? undefined : { cert, key },
      authMode: values['gateway.auth'],
      telemetry: values['telemetry.enabled'],
    },
  };
}
