import type { MCPServerConfig } from '../config/schema.js';
import type { EngineClient } from '../engine/engine-client.js';
import { MCPErrorCode } from '../errors/codes.js';
import { MCPError } from '../errors/mcp-error.js';
import type { ImageService } from '../images/image-service.js';
import { fillTemplates, readSecretValue, secretsInTemplates } from '../secrets/secret-reader.js';

/** Every secret a server uses: as environment variables and in its http header templates. */
export function serverSecretNames(server: MCPServerConfig): string[] {
  return [
    ...Object.values(server.secrets),
    ...(server.transport.type === 'http' ? secretsInTemplates(server.transport.headers) : []),
  ];
}

/** SECRET_NOT_FOUND naming every secret `server` uses that is not stored, before anything starts. */
export async function checkServerSecrets(engine: EngineClient, server: MCPServerConfig): Promise<void> {
  const wanted = serverSecretNames(server);
  if (wanted.length === 0) return;
  const stored = new Set((await engine.listSecrets()).map((secret) => secret.name));
  const missing = wanted.filter((name) => !stored.has(name));
  if (missing.length === 0) return;
  throw new MCPError(
    MCPErrorCode.SecretNotFound,
    `secret${missing.length > 1 ? 's' : ''} ${missing.join(', ')} not stored`,
    {
      hint: `Store ${missing.length > 1 ? 'them' : 'it'} with \`mcpman secret set ${missing[0] ?? ''}\` (the value is read from stdin).`,
    },
  );
}

/**
 * An http server's headers with `${secret:NAME}` filled in. Reading a value registers it with
 * the redactor, so whatever this process prints afterwards has it masked.
 */
export async function filledHeaders(
  engine: EngineClient,
  images: ImageService,
  server: MCPServerConfig,
): Promise<Record<string, string>> {
  const transport = server.transport;
  if (transport.type !== 'http') return {};
  const names = secretsInTemplates(transport.headers);
  if (names.length === 0) return { ...transport.headers };
  const image = await images.baseImage();
  const values: Record<string, string> = {};
  for (const name of names) values[name] = await readSecretValue(engine, image, name);
  return fillTemplates(transport.headers, values);
}
