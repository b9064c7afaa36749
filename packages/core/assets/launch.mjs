// Entrypoint of images built from npx:// sources (copied to /opt/mcpman/launch.mjs).
// It fills the environment variables named in MCPMAN_SECRET_ENV from the secret files Podman
// mounts, then runs the package's bin as the main module of this same process. Secrets reach the
// server as env vars without ever being part of the container's configuration, where
// `podman inspect` would show them.
import { readFileSync } from 'node:fs';
import Module from 'node:module';

const SECRETS_DIR = '/run/mcpman/secrets';
const [node, , bin, ...args] = process.argv;
const mapping = process.env.MCPMAN_SECRET_ENV;
delete process.env.MCPMAN_SECRET_ENV;
if (mapping) {
  for (const pair of mapping.split(',')) {
    const [variable, secret] = pair.split('=');
    process.env[variable] = readFileSync(`${SECRETS_DIR}/${secret}`, 'utf8');
  }
}
process.argv = [node, bin, ...args];
Module.runMain();
