/**
 * A config server name from a package, image or registry name: `server-memory`,
 * `mcp-server-fetch` and `github-mcp-server` become `memory`, `fetch` and `github`, and whatever
 * the name pattern does not allow becomes a dash.
 */
export function serverNameFrom(raw: string): string {
  const name = raw
    .toLowerCase()
    .replace(/^(mcp-server-|server-|mcp-)/, '')
    .replace(/(-mcp-server|-server|-mcp)$/, '')
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 48)
    .replace(/-$/, '');
  return name === '' ? 'server' : name;
}
