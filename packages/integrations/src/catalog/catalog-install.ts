import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { ServerPlan } from '@mcpman/shared/contract';
import { formatIssue, issuesFromZod, ServerConfigSchema } from '@mcpman/core';
import { MCPError, MCPErrorCode } from '@mcpman/protocol';
import type { ConfigStore, SecretStore } from '@mcpman/core';
import { buildServerEntry } from './server-entry.js';
import type { BuiltEntry, InputAnswers } from './server-entry.js';
import type { ServerJson } from './server-json.js';

export interface InstallRequest {
  readonly document: ServerJson;
  readonly plan: ServerPlan;
  readonly name: string;
  /** Values by input id, and Podman secret names by input id for secrets that exist already. */
  readonly answers: InputAnswers;
  /** Secret values to store first, by the Podman secret name the answers give them. */
  readonly newSecrets?: ReadonlyMap<string, string>;
  readonly store: ConfigStore;
  readonly secrets?: SecretStore;
  /** Host paths of filepath inputs are taken relative to this folder. */
  readonly cwd: string;
  /** The user trusts the package index the document chose (`plan.packageIndex`). */
  readonly trustIndex?: boolean;
  /**
   * Called with the entry before anything is stored or written (the CLI shows the mounts there);
   * false stops the install with nothing changed.
   */
  readonly confirm?: (built: BuiltEntry) => Promise<boolean>;
}

/**
 * A document may not point pip at an index of its choosing unless the user says they trust it:
 * whatever that index serves would be installed (and its wheels' code run in the server).
 */
export function checkIndexTrusted(document: ServerJson, plan: ServerPlan, trusted: boolean): void {
  if (plan.packageIndex === undefined || trusted) return;
  throw new MCPError(
    MCPErrorCode.CatalogUnsupported,
    `${document.name}@${document.version} installs ${plan.runs} from ${plan.packageIndex}, a package index the registry document chose instead of PyPI; pip would install whatever it serves`,
    {
      hint: 'Add it only if you trust that index: `mcpman add … --trust-index`, or tick "I trust this package index" in the dashboard.',
    },
  );
}

/** The Podman secret a secret input's value is stored as when the user types it in. */
export function secretNameFor(server: string, key: string): string {
  return `${server}-${key.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`.replace(/-+$/, '');
}

function hostPaths(request: InstallRequest): InputAnswers {
  const values: Record<string, string | readonly string[]> = { ...request.answers.values };
  for (const input of request.plan.inputs) {
    const given = values[input.id];
    if (input.format !== 'filepath' || given === undefined) continue;
    values[input.id] = (typeof given === 'string' ? [given] : given).map((path) => {
      const absolute = isAbsolute(path) ? path : resolve(request.cwd, path);
      if (!existsSync(absolute))
        throw new MCPError(MCPErrorCode.ConfigInvalid, `${input.key}: ${absolute} does not exist`, {
          hint: 'Give a folder or file on this machine; it is mounted into the container.',
        });
      return absolute;
    });
  }
  return { ...request.answers, values };
}

/**
 * Add a catalog server to the config: the entry is built and checked first, so a refusal
 * stores no secret and leaves the file byte for byte; then the new secrets go to Podman and the
 * entry is written (atomically, through the store).
 */
export async function installCatalogServer(
  request: InstallRequest,
): Promise<BuiltEntry & { secrets: string[] }> {
  const { document, name, store } = request;
  if (name in (await store.loadOrEmpty()).config.servers)
    throw new MCPError(MCPErrorCode.ConfigInvalid, `a server named "${name}" is already configured`, {
      hint: 'Pick another name, or remove that server first.',
    });
  checkIndexTrusted(document, request.plan, request.trustIndex === true);
  const built = buildServerEntry(document, request.plan, hostPaths(request), { name });
  const parsed = ServerConfigSchema.safeParse(built.entry);
  if (!parsed.success)
    throw new MCPError(
      MCPErrorCode.CatalogUnsupported,
      `${document.name}@${document.version} maps to an entry mcpman cannot accept:\n  ${issuesFromZod(
        ServerConfigSchema,
        parsed.error.issues,
        ['servers', name],
      )
        .map((issue) => formatIssue(issue))
        .join('\n  ')}`,
    );
  if (request.confirm !== undefined && !(await request.confirm(built)))
    throw new MCPError(MCPErrorCode.Cancelled, `${name} was not added`, { hint: 'Nothing was written.' });
  const stored: string[] = [];
  for (const [secret, value] of request.newSecrets ?? []) {
    if (request.secrets === undefined)
      throw new MCPError(MCPErrorCode.Internal, 'no secret store to keep secrets in');
    // Bound to this server: no other entry may name it and have it sent elsewhere.
    await request.secrets.set(secret, value, { server: name });
    stored.push(secret);
  }
  await store.setServer(name, built.entry);
  return { ...built, secrets: stored };
}
