import { describe, expect, it } from 'vitest';
import { MockSecretStorage, env, host } from './test/podman-desktop-api.mock.js';
import { SecretStorageStore } from './secret-storage-store.js';
import { podmanDesktopTelemetry } from './telemetry.js';

describe('secrets in Podman Desktop', () => {
  it('keeps values in SecretStorage behind the same interface as the CLI', async () => {
    const storage = new MockSecretStorage();
    const store = new SecretStorageStore(storage, () => undefined);
    await store.set('github-token', 'ghp_x');
    await store.set('api-key', 'k');
    expect(await store.list()).toEqual(['api-key', 'github-token']);
    expect(storage.values.get('mcpman.secret.github-token')).toBe('ghp_x');
    expect(await store.remove('github-token')).toBe(true);
    expect(await store.remove('github-token')).toBe(false);
    expect(await store.list()).toEqual(['api-key']);
    expect(storage.values.has('mcpman.secret.github-token')).toBe(false);
  });

  it('refuses a name Podman would not take', async () => {
    const store = new SecretStorageStore(new MockSecretStorage(), () => undefined);
    await expect(store.set('bad name!', 'v')).rejects.toMatchObject({ code: 'SECRET_INVALID' });
  });
});

describe('telemetry through Podman Desktop', () => {
  it("sends allowed events only while both Podman Desktop's telemetry and the setting allow it", () => {
    host.reset();
    let setting = true;
    const logger = env.createTelemetryLogger();
    const { telemetry, refresh } = podmanDesktopTelemetry(logger, () => setting);
    telemetry.track('server.failed', { code: 'IMAGE_NOT_FOUND', server: 'secret-name' });
    expect(host.telemetry).toEqual([{ event: 'server.failed', data: { code: 'IMAGE_NOT_FOUND' } }]);
    // The user turns Podman Desktop's telemetry off: the logger still says usage is enabled
    // (it always does there), and nothing is sent.
    host.setTelemetry(false);
    expect(logger.isUsageEnabled).toBe(true);
    telemetry.track('server.remove');
    expect(host.telemetry).toHaveLength(1);
    host.setTelemetry(true);
    setting = false;
    refresh();
    telemetry.track('server.remove');
    expect(host.telemetry).toHaveLength(1);
    setting = true;
    refresh();
    telemetry.track('server.remove');
    expect(host.telemetry).toHaveLength(2);
  });
});
