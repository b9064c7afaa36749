import { env } from '@podman-desktop/api';
import { Telemetry } from '@mcpman/core';
import type { TelemetryEvent } from '@mcpman/core';
import type { Disposable, TelemetryLogger } from '@podman-desktop/api';

/**
 * Usage events through Podman Desktop's telemetry logger, sent only while both Podman Desktop's
 * telemetry (`env.isTelemetryEnabled`, followed through `env.onDidChangeTelemetryEnabled`: the
 * logger's own `isUsageEnabled` is always true in Podman Desktop and its change event never
 * fires) and the extension's `mcpman.telemetry.enabled` allow it. Events carry only what core's
 * allow-list lets through.
 */
export function podmanDesktopTelemetry(
  logger: TelemetryLogger,
  enabledHere: () => boolean,
): { telemetry: Telemetry; subscription: Disposable; refresh: () => void } {
  const telemetry = new Telemetry(
    {
      send: (event: TelemetryEvent) => {
        logger.logUsage(event.name, { ...event.properties });
      },
    },
    env.isTelemetryEnabled && enabledHere(),
  );
  const refresh = (): void => {
    telemetry.setEnabled(env.isTelemetryEnabled && enabledHere());
  };
  const subscription = env.onDidChangeTelemetryEnabled(refresh);
  return { telemetry, subscription, refresh };
}
