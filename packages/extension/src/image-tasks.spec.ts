import { describe, expect, it, vi } from 'vitest';
import { EventBus } from '@mcpman/core';
import type { ServerState } from '@mcpman/shared';
import { host } from './test/podman-desktop-api.mock.js';
import { ImageTasks } from './image-tasks.js';

const progress = (server: string, phase: 'pulling' | 'building', message: string) =>
  ({ type: 'server.progress', server, phase, message, at: 0 }) as const;
const state = (server: string, value: ServerState, reason: string = value) =>
  ({ type: 'server.state', server, state: value, previous: 'building', reason, at: 0 }) as const;

describe('image pulls and builds as Podman Desktop tasks', () => {
  it('opens one task a server, reports its steps, and ends it done or failed', async () => {
    host.reset();
    const bus = new EventBus();
    const tasks = new ImageTasks(bus);
    bus.emit(progress('a', 'building', 'npm install a@1'));
    bus.emit(progress('a', 'building', 'STEP 1/4: FROM base'));
    bus.emit(progress('b', 'pulling', 'layer 1: downloading'));
    expect(host.tasks.map((t) => [t.title, t.location, t.state])).toEqual([
      ['MCP server a: preparing its image', 2, 'running'],
      ['MCP server b: pulling its image', 2, 'running'],
    ]);
    expect(host.tasks[0]?.reports.map((r) => r.message)).toEqual([
      'MCP server a: npm install a@1',
      'MCP server a: STEP 1/4: FROM base',
    ]);
    // Podman Desktop shows the latest report as the task's name: it still says which server.
    expect(host.tasks.map((t) => t.name)).toEqual([
      'MCP server a: STEP 1/4: FROM base',
      'MCP server b: layer 1: downloading',
    ]);
    bus.emit(state('a', 'starting'));
    bus.emit(state('b', 'failed', 'image not found'));
    await vi.waitFor(() => {
      expect(host.tasks.map((t) => t.state)).toEqual(['done', 'failed']);
    });
    // A later build of the same server is a new task.
    bus.emit(progress('a', 'building', 'again'));
    expect(host.tasks).toHaveLength(3);
    tasks.dispose();
    await vi.waitFor(() => {
      expect(host.tasks[2]?.state).toBe('done');
    });
  });
});
