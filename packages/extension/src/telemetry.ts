import { Telemetry } from '@mcpman/core';
import type { TelemetryEvent } from '@mcpman/core';
import type { Disposable, TelemetryLogger } from '@podman-desktop/api';

/**
 * Usage events through Podman Desktop's telemetry logger: it honours the user's telemetry
 * setting, and so does the extension's own `mcpman.telemetry.enabled`; both must allow it.
 * Events carry only what core's allow-list lets through.
 */
export function podmanDesktopTelemetry(
  logger: TelemetryLogger,
  enabledHere: () => boolean,
): { telemetry: Telemetry; subscription: Disposable } {
  const telemetry = new Telemetry(
    {
      send: (event: TelemetryEvent) => {
        logger.logUsage(event.name, { ...event.properties });
      },
    },
    logger.isUsageEnabled && enabledHere(),
  );
  const subscription = logger.onDidChangeEnableStates((changed) => {
    telemetry.setEnabled(changed.isUsageEnabled && enabledHere());
  });
  return { telemetry, subscription };
}
