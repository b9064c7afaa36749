import { describe, expect, it } from 'vitest';
import { Telemetry, allowedProperties } from './telemetry.js';
import type { TelemetryEvent } from './telemetry.js';

describe('Telemetry', () => {
  it('sends nothing while off, and nothing without a sink', () => {
    const sent: TelemetryEvent[] = [];
    const telemetry = new Telemetry({ send: (e) => sent.push(e) }, false);
    telemetry.track('manager.start', { servers: 2 });
    Telemetry.off().track('manager.start', { servers: 2 });
    expect(sent).toEqual([]);
    telemetry.setEnabled(true);
    telemetry.track('manager.start', { servers: 2, detached: true });
    expect(sent).toEqual([{ name: 'manager.start', properties: { servers: 2, detached: true } }]);
  });

  it('drops names, arguments and any property the event does not allow', () => {
    expect(
      allowedProperties('tool.call', {
        transport: 'websocket',
        outcome: 'ok',
        durationMs: 12.7,
        tool: 'github__create_issue',
        arguments: { title: 'secret plans' },
      }),
    ).toEqual({ transport: 'websocket', outcome: 'ok', durationMs: 13 });
    expect(allowedProperties('server.add', { source: 'npx', name: 'my-server' })).toEqual({ source: 'npx' });
    // A value outside the allowed list, or user text where a code belongs, is dropped.
    expect(allowedProperties('server.add', { source: 'npx://@acme/private' })).toEqual({});
    expect(allowedProperties('server.failed', { code: 'CONTAINER_OOM_KILLED' })).toEqual({
      code: 'CONTAINER_OOM_KILLED',
    });
    expect(allowedProperties('server.failed', { code: 'my server blew up' })).toEqual({});
  });
});
