import { describe, expect, it } from 'vitest';
import { inputBridge } from './era-bridges.js';

describe('inputBridge: one choice per call from the two eras', () => {
  it.each([
    // client, server, method, bridge
    ['session', 'session', 'tools/call', 'none'],
    ['stateless', 'stateless', 'tools/call', 'none'],
    ['stateless', 'session', 'tools/call', 'requests-as-results'],
    ['stateless', 'session', 'resources/read', 'requests-as-results'],
    ['stateless', 'session', 'tools/list', 'none'],
    // A call naming no one server (or one not connected) may meet a session-era server.
    ['stateless', undefined, 'prompts/get', 'requests-as-results'],
    ['session', 'stateless', 'tools/call', 'results-as-requests'],
    ['session', undefined, 'tools/call', 'none'],
  ] as const)('%s client, %s server, %s: %s', (client, server, method, bridge) => {
    expect(inputBridge(client, server, method)).toBe(bridge);
  });
});
