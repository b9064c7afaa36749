import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { EngineClient } from '../engine/engine-client.js';
import { MCPError, MCPErrorCode, secretRedactor } from '@mcpman/protocol';
import { LABEL } from '../runtime/labels.js';
import { readSecretValue } from './secret-reader.js';
import type { SecretStore } from './secret-store.js';

/**
 * Where the manager itself reads secret values (header templates of http and url: servers).
 * Servers in containers get theirs from Podman directly; this is only for what the manager sends.
 * Every value read is registered with the redactor before it is returned.
 */
export interface SecretValues {
  /** Names that have a value. */
  names(): Promise<Set<string>>;
  /** The value of `name`; SECRET_NOT_FOUND when there is none. */
  read(name: string): Promise<string>;
  /** How to store a missing secret, for the error's hint. */
  readonly storeHint: (name: string) => string;
  /** Secret name → the server it was created for, for secrets bound to one (see LABEL.secretFor). */
  bindings?(): Promise<ReadonlyMap<string, string>>;
}

/** Podman secrets (`mcpman secret set`): what `up` and the extension use. */
export class PodmanSecretValues implements SecretValues {
  constructor(
    private readonly engine: EngineClient,
    /** The image a throwaway reader container runs (see readSecretValue). */
    private readonly image: () => Promise<string>,
  ) {}

  readonly storeHint = (name: string): string =>
    `Store it with \`mcpman secret set ${name}\` (the value is read from stdin).`;

  async names(): Promise<Set<string>> {
    return new Set((await this.engine.listSecrets()).map((secret) => secret.name));
  }

  async read(name: string): Promise<string> {
    return readSecretValue(this.engine, await this.image(), name);
  }

  async bindings(): Promise<ReadonlyMap<string, string>> {
    const bound = new Map<string, string>();
    for (const secret of await this.engine.listSecrets()) {
      const server = secret.labels[LABEL.secretFor];
      if (server !== undefined) bound.set(secret.name, server);
    }
    return bound;
  }
}

/**
 * One file per secret in a directory, named after it: how Kubernetes mounts a Secret volume
 * (and how `mcpman gateway` reads secrets without Podman). Trailing newlines, which editors and
 * `echo` add, are not part of the value.
 */
export class DirectorySecretValues implements SecretValues, SecretStore {
  constructor(readonly dir: string) {}

  async list(): Promise<string[]> {
    return [...(await this.names())].sort();
  }

  /** The folder is the deployment's (a Secret volume is read-only): values are set there, not here. */
  set(name: string): Promise<void> {
    return Promise.reject(this.readOnly(name));
  }

  remove(name: string): Promise<boolean> {
    return Promise.reject(this.readOnly(name));
  }

  private readOnly(name: string): MCPError {
    return new MCPError(
      MCPErrorCode.SecretInvalid,
      `secrets of this gateway are the files in ${this.dir}; ${name} cannot be changed through it`,
      { hint: this.storeHint(name) },
    );
  }

  readonly storeHint = (name: string): string =>
    `Put its value in ${join(this.dir, name)} (with Kubernetes, a Secret mounted there: see docs/kubernetes.md).`;

  async names(): Promise<Set<string>> {
    const entries = await readdir(this.dir, { withFileTypes: true }).catch(() => []);
    // Kubernetes mounts keys as symlinks into a ..data folder; hidden entries are its bookkeeping.
    return new Set(entries.filter((e) => !e.name.startsWith('.') && !e.isDirectory()).map((e) => e.name));
  }

  async read(name: string): Promise<string> {
    let value: string;
    try {
      value = (await readFile(join(this.dir, name), 'utf8')).replace(/\r?\n$/, '');
    } catch {
      throw new MCPError(MCPErrorCode.SecretNotFound, `secret ${name} not found in ${this.dir}`, {
        hint: this.storeHint(name),
      });
    }
    secretRedactor.add(value);
    return value;
  }
}
