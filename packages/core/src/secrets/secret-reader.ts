import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { EngineClient } from '../engine/engine-client.js';
import { MCPError, MCPErrorCode, secretRedactor } from '@mcpman/protocol';
import { LABEL } from '../runtime/labels.js';

const TARGET_DIR = '/run/mcpman/secrets';
/** Prints the file named by its one argument, byte for byte. */
const PRINT_FILE = 'process.stdout.write(require("fs").readFileSync(process.argv[1]))';

/**
 * The value of a Podman secret, for the few places the manager itself needs one (header
 * templates of HTTP upstreams). Podman 4's API does not hand secret values out, so the value is
 * read the way a server would: a throwaway container (no network, no capabilities, read-only,
 * removed at once) gets the secret mounted and prints it. The value is added to the process's
 * redactor before it is returned, so no log, error or API answer can show it.
 */
export async function readSecretValue(engine: EngineClient, image: string, name: string): Promise<string> {
  const target = `${TARGET_DIR}/${name}`;
  const id = await engine.createContainer({
    name: `mcpman-secret-read-${randomBytes(4).toString('hex')}`,
    image,
    entrypoint: ['/usr/local/bin/node', '-e', PRINT_FILE, target],
    env: {},
    labels: { [LABEL.managed]: 'true', [LABEL.role]: 'secret-reader' },
    stdin: false,
    terminal: false,
    user: '1000:1000',
    read_only_filesystem: true,
    no_new_privileges: true,
    cap_drop: ['ALL'],
    netns: { nsmode: 'none' },
    resource_limits: {
      memory: { limit: 64 * 1024 * 1024, swap: 64 * 1024 * 1024 },
      cpu: { quota: 50_000, period: 100_000 },
      pids: { limit: 16 },
    },
    mounts: [],
    secrets: [{ source: name, target, uid: 1000, gid: 1000, mode: 0o400 }],
    stop_timeout: 1,
    init: false,
    log_configuration: { driver: 'none' },
  });
  try {
    const streams = await engine.attachContainer(id);
    const collected = collect(streams.frames);
    await engine.startContainer(id);
    const { stdout, stderr } = await collected;
    streams.close();
    if (stdout.length === 0) {
      throw new MCPError(MCPErrorCode.SecretNotFound, `secret ${name} could not be read`, {
        hint: `Store it with \`mcpman secret set ${name}\`.${stderr === '' ? '' : ` (${stderr.split('\n')[0] ?? ''})`}`,
      });
    }
    const value = stdout.toString('utf8');
    secretRedactor.add(value);
    return value;
  } finally {
    await engine.removeContainer(id);
  }
}

/** stdout bytes and stderr text of an attached container, until it exits (or 30 s pass). */
function collect(frames: Readable): Promise<{ stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    let err = '';
    const timer = setTimeout(() => {
      frames.destroy();
      reject(new MCPError(MCPErrorCode.EngineTimeout, 'reading a secret took longer than 30 s'));
    }, 30_000);
    frames.on('data', (frame: { stream: string; payload: Buffer }) => {
      if (frame.stream === 'stdout') out.push(frame.payload);
      else if (frame.stream === 'stderr') err += frame.payload.toString('utf8');
    });
    const done = (): void => {
      clearTimeout(timer);
      resolve({ stdout: Buffer.concat(out), stderr: err });
    };
    frames.once('end', done);
    frames.once('close', done);
    frames.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

const TEMPLATE = /\$\{secret:([A-Za-z0-9][A-Za-z0-9._-]*)\}/g;

/** Names of the secrets a header template set refers to. */
export function secretsInTemplates(headers: Readonly<Record<string, string>>): string[] {
  const names = new Set<string>();
  for (const value of Object.values(headers))
    for (const match of value.matchAll(TEMPLATE)) names.add(match[1] ?? '');
  return [...names];
}

/** Headers with every `${secret:NAME}` replaced by `values[NAME]`. */
export function fillTemplates(
  headers: Readonly<Record<string, string>>,
  values: Readonly<Record<string, string>>,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([key, value]) => [
      key,
      value.replace(TEMPLATE, (_m, name: string) => values[name] ?? ''),
    ]),
  );
}
