import { describe, expect, it } from 'vitest';
import type { ServerStatus } from '@mcpman/shared';
import { host } from './test/podman-desktop-api.mock.js';
import { McpStatusBar } from './status-bar.js';

function status(name: string, state: ServerStatus['state'], reason: string = state): ServerStatus {
  return {
    name,
    state,
    reason,
    code: undefined,
    since: 0,
    transport: 'stdio',
    containerId: undefined,
    image: undefined,
    restarts: 0,
    protocolVersion: undefined,
    serverInfo: undefined,
    lastProbe: undefined,
    endpoint: undefined,
  };
}

describe('status bar item', () => {
  it('summarises the servers, with the worst state as its icon and each server in the tooltip', () => {
    host.reset();
    const bar = new McpStatusBar();
    bar.showServers([
      status('a', 'ready'),
      status('b', 'ready'),
      status('c', 'starting'),
      status('d', 'failed', 'image not found'),
    ]);
    expect(bar.item.text).toBe('MCP 2/4 ready');
    expect(bar.item.iconClass).toBe('fa fa-circle-exclamation');
    expect(bar.item.tooltip).toBe(
      'MCP servers\na: ready\nb: ready\nc: starting (starting)\nd: failed (image not found)',
    );
    bar.showServers([status('a', 'ready')]);
    expect(bar.item.iconClass).toBe('fa fa-circle-check');
    bar.showServers([status('a', 'ready'), status('b', 'pulling')]);
    expect(bar.item.iconClass).toBe('fa fa-spinner fa-spin');
    bar.showServers([]);
    expect(bar.item.tooltip).toBe('No MCP servers configured: click to add one');
    bar.dispose();
    expect(host.statusBarItems[0]?.disposed).toBe(true);
  });

  it('leads with a warning when the settings asked for less than the config file', () => {
    host.reset();
    const bar = new McpStatusBar();
    bar.showServers([status('a', 'ready')], ['The config file asks for gateway.auth.mode token']);
    expect(bar.item.text).toBe('MCP 1/1 ready (!)');
    expect(bar.item.iconClass).toBe('fa fa-triangle-exclamation');
    expect(bar.item.tooltip).toBe(
      '⚠ The config file asks for gateway.auth.mode token\nMCP servers\na: ready',
    );
    bar.dispose();
  });
});
