/**
 * Labels are the manager's state: everything it creates carries them, so a restarted manager can
 * find, adopt or clean up its objects without any other bookkeeping.
 */
export const LABEL = {
  managed: 'io.mcpman.managed',
  server: 'io.mcpman.server',
  configHash: 'io.mcpman.config-hash',
  transport: 'io.mcpman.transport',
  /** `server` for a server's own container, `session` for per-client session containers. */
  role: 'io.mcpman.role',
  session: 'io.mcpman.session',
  imageHash: 'io.mcpman.image-hash',
  source: 'io.mcpman.source',
  /** The manager that made it (see owner.ts): a config file's id, or the extension's. */
  owner: 'io.mcpman.owner',
  /** That manager as a person reads it: the config file's path, or the extension. */
  ownerName: 'io.mcpman.owner-name',
  /**
   * On a Podman secret: the server it was created for (a catalog install's answers). Only that
   * server may read it, unless another's config lists it in sharedSecrets.
   */
  secretFor: 'io.mcpman.secret-for',
} as const;

export const MANAGED_FILTER = { [LABEL.managed]: 'true' } as const;

/**
 * Containers are named after their owner and server, so `podman ps` reads well and two managers
 * with a server of the same name never clash (owner ids have no `-`).
 */
export function containerName(ownerId: string, server: string): string {
  return `mcpman-${ownerId}-${server}`;
}

/** The internal network of a server whose policy is `isolated`. */
export function isolatedNetworkName(ownerId: string, server: string): string {
  return `mcpman-${ownerId}-${server}-isolated`;
}

/** What mcpman named a server's container and network before owner labels (for migration). */
export function unownedNames(server: string): { readonly container: string; readonly network: string } {
  return { container: `mcpman-${server}`, network: `mcpman-${server}-isolated` };
}
