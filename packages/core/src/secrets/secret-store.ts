import type { EngineClient } from '../engine/engine-client.js';
import { MCPError, MCPErrorCode } from '@mcpman/protocol';
import { LABEL } from '../runtime/labels.js';
import { SECRET_NAME_PATTERN } from '../config/schema.js';

/**
 * Where secret values live. Servers always read them as Podman secrets (mounted or as env);
 * a store decides what else keeps them (nothing more in the CLI; Podman Desktop's encrypted
 * SecretStorage in the extension, so they survive a new Podman machine).
 */
export interface SecretStore {
  /** Names only: values never leave a store except into Podman. */
  list(): Promise<string[]>;
  /** Create or replace; `server`: the one server that may read it (see LABEL.secretFor). */
  set(name: string, value: string, options?: SecretOptions): Promise<void>;
  /** False when there was no such secret. */
  remove(name: string): Promise<boolean>;
}

export interface SecretOptions {
  /** Bind the secret to this server: no other server may read it unless its config says so. */
  readonly server?: string;
}

export function assertSecretName(name: string): void {
  if (!SECRET_NAME_PATTERN.test(name)) {
    throw new MCPError(MCPErrorCode.SecretInvalid, `"${name}" is not a valid secret name`, {
      hint: 'Use letters, digits, dot, dash and underscore, starting with a letter or digit.',
    });
  }
}

/** The secrets mcpman made in Podman (label io.mcpman.managed=true). */
export class PodmanSecretStore implements SecretStore {
  constructor(private readonly engine: EngineClient) {}

  async list(): Promise<string[]> {
    const secrets = await this.engine.listSecrets();
    return secrets
      .filter((secret) => secret.labels[LABEL.managed] === 'true')
      .map((secret) => secret.name)
      .sort();
  }

  async set(name: string, value: string, options: SecretOptions = {}): Promise<void> {
    assertSecretName(name);
    const labels = {
      [LABEL.managed]: 'true',
      ...(options.server === undefined ? {} : { [LABEL.secretFor]: options.server }),
    };
    await this.engine.createSecret(name, value, labels, true);
  }

  remove(name: string): Promise<boolean> {
    return this.engine.removeSecret(name);
  }
}
