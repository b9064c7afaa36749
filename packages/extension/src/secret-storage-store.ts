import { assertSecretName } from '@mcpman/core';
import type { PodmanSecretStore, SecretOptions, SecretStore } from '@mcpman/core';
import type { SecretStorage } from '@podman-desktop/api';

const INDEX_KEY = 'mcpman.secrets';
const valueKey = (name: string): string => `mcpman.secret.${name}`;
const bindingKey = (name: string): string => `mcpman.secret-for.${name}`;

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

  async set(name: string, value: string, options: SecretOptions = {}): Promise<void> {
    assertSecretName(name);
    await this.storage.store(valueKey(name), value);
    // The server it was made for travels with it into every Podman machine (see LABEL.secretFor).
    if (options.server === undefined) await this.storage.delete(bindingKey(name));
    else await this.storage.store(bindingKey(name), options.server);
    const names = new Set(await this.list());
    names.add(name);
    await this.storage.store(INDEX_KEY, JSON.stringify([...names]));
    await this.podman()?.set(name, value, options);
  }

  async remove(name: string): Promise<boolean> {
    const names = new Set(await this.list());
    const existed = names.delete(name);
    await this.storage.delete(valueKey(name));
    await this.storage.delete(bindingKey(name));
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
      const server = await this.storage.get(bindingKey(name));
      await podman.set(name, value, server === undefined ? {} : { server });
      count += 1;
    }
    return count;
  }
}
