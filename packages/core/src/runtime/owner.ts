import { realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { ContainerSummary } from '../engine/types.js';
import { sha256 } from '@mcpman/protocol';
import { LABEL } from './labels.js';

/**
 * Who created an engine object. Several managers share one engine (two `mcpman up` for two
 * config files, the CLI beside the Podman Desktop extension): each adopts, recreates and removes
 * only what carries its own id, and shows the others read-only.
 */
export interface ManagerOwner {
  /**
   * Lowercase letters and digits only: it is part of every container and network name the
   * manager creates (`mcpman-<id>-<server>`), and the first `-` after `mcpman-` ends it, so two
   * owners' names cannot clash whatever their servers are called.
   */
  readonly id: string;
  /** What a person reads in `mcpman ls` and the dashboard: the config file, or the extension. */
  readonly name: string;
}

const OWNER_ID = /^[a-z0-9]{1,32}$/;

/** The Podman Desktop extension's owner id: one per user, whatever its config file. */
export const DESKTOP_OWNER_ID = 'desktop';

export function assertOwnerId(id: string): string {
  if (!OWNER_ID.test(id)) throw new Error(`owner id "${id}" must be 1-32 lowercase letters or digits`);
  return id;
}

/** The absolute path of a config file with symlinks of its folder resolved, so one file has one id. */
function canonicalConfigPath(path: string): string {
  const absolute = resolve(path);
  try {
    return join(realpathSync(dirname(absolute)), basename(absolute));
  } catch {
    return absolute;
  }
}

/**
 * The owner of everything `mcpman up -f <path>` creates: a stable id from the config file's
 * canonical path (the same file is the same owner across runs, a copy elsewhere is another).
 * Ids are hex, so they never equal the extension's.
 */
export function ownerForConfig(path: string): ManagerOwner {
  const canonical = canonicalConfigPath(path);
  return { id: sha256(canonical).slice(0, 10), name: canonical };
}

/** The Podman Desktop extension's owner; `name` says which file it runs. */
export function desktopOwner(configPath: string): ManagerOwner {
  return { id: DESKTOP_OWNER_ID, name: `Podman Desktop (${canonicalConfigPath(configPath)})` };
}

/** The labels that mark an object as `owner`'s. */
export function ownerLabels(owner: ManagerOwner): Record<string, string> {
  return { [LABEL.owner]: owner.id, [LABEL.ownerName]: owner.name };
}

/** A filter for the engine's list and event calls: managed objects of `owner` only. */
export function ownerFilter(owner: ManagerOwner): Record<string, string> {
  return { [LABEL.managed]: 'true', [LABEL.owner]: owner.id };
}

/**
 * Whose an object is, seen from `owner`: its own; `unowned`, made by an mcpman from before owner
 * labels (adopted, by recreating it, by the first manager whose config names its server); or
 * another manager's, which it never touches.
 */
export function ownership(
  labels: Readonly<Record<string, string>>,
  owner: ManagerOwner,
): 'mine' | 'unowned' | 'other' {
  const id = labels[LABEL.owner];
  if (id === undefined) return 'unowned';
  return id === owner.id ? 'mine' : 'other';
}

/** A server container of another manager (or of none), as `mcpman ls` and the dashboard show it. */
export interface ForeignServer {
  readonly name: string;
  /** The owner's id, or undefined for a container from before owner labels. */
  readonly ownerId: string | undefined;
  /** The owner's readable name (its config file, or the extension). */
  readonly owner: string;
  /** The engine's container state (running, exited, …): no manager of ours watches it. */
  readonly state: string;
  readonly transport: 'stdio' | 'http';
  readonly containerId: string;
  readonly containerName: string;
  readonly image: string;
}

export function foreignServer(container: ContainerSummary): ForeignServer {
  const ownerId = container.labels[LABEL.owner];
  return {
    name: container.labels[LABEL.server] ?? container.name,
    ownerId,
    owner:
      container.labels[LABEL.ownerName] ??
      ownerId ??
      'none (made before owner labels; the first `mcpman up` whose config names it adopts it)',
    state: container.state,
    transport: container.labels[LABEL.transport] === 'http' ? 'http' : 'stdio',
    containerId: container.id,
    containerName: container.name,
    image: container.image,
  };
}
