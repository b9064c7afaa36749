import type { MCPServerConfig } from '../config/schema.js';
import { MCPError, MCPErrorCode } from '@mcpman/protocol';
import { fillTemplates, secretsInTemplates } from '../secrets/secret-reader.js';
import type { SecretValues } from '../secrets/secret-values.js';

/** The header templates the manager sends to a server: an http container's, or a url: server's. */
export function headerTemplates(server: MCPServerConfig): Readonly<Record<string, string>> {
  if (server.source.type === 'remote') return server.source.headers;
  return server.transport.type === 'http' ? server.transport.headers : {};
}

/** Every secret a server uses: as environment variables and in its header templates. */
export function serverSecretNames(server: MCPServerConfig): string[] {
  return [...Object.values(server.secrets), ...secretsInTemplates(headerTemplates(server))];
}

/** SECRET_NOT_FOUND naming every secret of `wanted` that is not stored, before anything starts. */
export async function checkSecrets(secrets: SecretValues, wanted: readonly string[]): Promise<void> {
  if (wanted.length === 0) return;
  const stored = await secrets.names();
  const missing = wanted.filter((name) => !stored.has(name));
  if (missing.length === 0) return;
  throw new MCPError(
    MCPErrorCode.SecretNotFound,
    `secret${missing.length > 1 ? 's' : ''} ${missing.join(', ')} not stored`,
    { hint: secrets.storeHint(missing[0] ?? '') },
  );
}

/**
 * SECRET_NOT_FOUND naming every secret `server` uses that is not stored; SECRET_FORBIDDEN for one
 * created for another server (a catalog install binds the secrets it stores to their server), so
 * an entry that names someone else's token cannot have it sent anywhere. The config may share
 * one on purpose: `sharedSecrets`.
 */
export async function checkServerSecrets(
  secrets: SecretValues,
  name: string,
  server: MCPServerConfig,
): Promise<void> {
  const wanted = serverSecretNames(server);
  await checkSecrets(secrets, wanted);
  if (wanted.length === 0 || secrets.bindings === undefined) return;
  const bindings = await secrets.bindings();
  const shared = new Set(server.sharedSecrets);
  const foreign = wanted.filter((secret) => {
    const owner = bindings.get(secret);
    return owner !== undefined && owner !== name && !shared.has(secret);
  });
  if (foreign.length === 0) return;
  throw new MCPError(
    MCPErrorCode.SecretForbidden,
    `servers.${name} may not read ${foreign.map((s) => `${s} (created for ${bindings.get(s) ?? '?'})`).join(', ')}`,
    {
      hint: `If ${name} should have it, list it in servers.${name}.sharedSecrets, or store a secret of its own.`,
    },
  );
}

/**
 * A server's headers with `${secret:NAME}` filled in. Reading a value registers it with the
 * redactor, so whatever this process prints afterwards has it masked.
 */
export async function filledHeaders(
  secrets: SecretValues,
  server: MCPServerConfig,
): Promise<Record<string, string>> {
  const headers = headerTemplates(server);
  const names = secretsInTemplates(headers);
  if (names.length === 0) return { ...headers };
  const values: Record<string, string> = {};
  for (const name of names) values[name] = await secrets.read(name);
  return fillTemplates(headers, values);
}

/**
 * Read the values of a server's environment secrets (which Podman hands the container directly),
 * so they are known to the redactor before the server prints anything: a server that echoes a
 * credential to stderr must not put it in the manager's logs, events or `mcpman logs`. A secret
 * that cannot be read has no value to redact, and is not an error here.
 */
export async function learnSecretValues(secrets: SecretValues, server: MCPServerConfig): Promise<void> {
  await Promise.all(Object.values(server.secrets).map((name) => secrets.read(name).catch(() => undefined)));
}
