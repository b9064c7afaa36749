// Entrypoint of images built from npx:// sources (copied to /opt/mcpman/launch.mjs).
// It fills the environment variables named in MCPMAN_SECRET_ENV from the secret files Podman
// mounts, then runs the package's bin as the main module of this same process. Secrets reach the
// server as env vars without ever being part of the container's configuration, where
// `podman inspect` would show them.
//
// With MCPMAN_STDIO_PIPES set, stdin and stdout become the two FIFOs the manager made in that
// (bind-mounted) directory, before the server starts: the MCP traffic then flows between the
// manager and this process directly, not through the engine's attach relay (Podman's service and
// conmon). Node has no dup2, but open() takes the lowest free descriptor, so closing 0 and
// opening the FIFO gives it descriptor 0 (and likewise 1): the server sees ordinary pipes.
import { closeSync, openSync, readFileSync } from 'node:fs';
import Module from 'node:module';

const SECRETS_DIR = '/run/mcpman/secrets';
const [node, , bin, ...args] = process.argv;
const pipes = process.env.MCPMAN_STDIO_PIPES;
delete process.env.MCPMAN_STDIO_PIPES;
if (pipes) {
  // Each open waits for the manager's end of the FIFO, which it opens right after starting us.
  for (const [fd, name, flags] of [
    [0, 'stdin', 'r'],
    [1, 'stdout', 'w'],
  ]) {
    closeSync(fd);
    const opened = openSync(`${pipes}/${name}`, flags);
    if (opened !== fd) throw new Error(`mcpman launcher: ${name} opened as descriptor ${opened}, not ${fd}`);
  }
}
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
