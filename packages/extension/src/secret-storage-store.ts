import { assertSecretName } from '@mcpman/core';
import type { PodmanSecretStore, SecretStore } from '@mcpman/core';
import type { SecretStorage } from '@podman-desktop/api';

const INDEX_KEY = 'mcpman.secrets';
const valueKey = (name: string): string => `mcpman.secret.${name}`;

/**
 * Secrets kept in Podman Desktop's SecretStorage (encrypted by the host), and copied into the
 * Podman connection as Podman secrets, which is where servers read them. A new or reset Podman
 * machine gets them again at the next `syncTo` (on every connection start).
 */
export class SecretStorageStore implements SecretStore {
  constructor(
    private readonly storage: SecretStorage,
    /** The running connection's Podman secrets, while there is one. */
    private readonly podman: () => PodmanSecretStore | undefined,
  ) {}

  async list(): Promise<string[]> {
    const index = await this.storage.get(INDEX_KEY);
    if (index === undefined) return [];
    try {
      const names: unknown = JSON.parse(index);
      return Array.isArray(names) ? names.filter((n): n is string => typeof n === 'string').sort() : [];
    } catch {
      return [];
    }
  }

  async set(name: string, value: string): Promise<void> {
    assertSecretName(name);
    await this.storage.store(valueKey(name), value);
    const names = new Set(await this.list());
    names.add(name);
    await this.storage.store(INDEX_KEY, JSON.stringify([...names]));
    await this.podman()?.set(name, value);
  }

  async remove(name: string): Promise<boolean> {
    const names = new Set(await this.list());
    const existed = names.delete(name);
    await this.storage.delete(valueKey(name));
    await this.storage.store(INDEX_KEY, JSON.stringify([...names]));
    const removed = (await this.podman()?.remove(name)) ?? false;
    return existed || removed;
  }

  /** Put every stored secret into these Podman secrets (replacing what is there). Returns how many. */
  async syncTo(podman: PodmanSecretStore): Promise<number> {
    let count = 0;
    for (const name of await this.list()) {
      const value = await this.storage.get(valueKey(name));
      if (value === undefined) continue;
      await podman.set(name, value);
      count += 1;
    }
    return count;
  }
}
