import { describe, expect, it } from 'vitest';
import { MCPErrorCode } from '@mcpman/protocol';
import type { ContainerDetails } from '../engine/types.js';
import { describeExit } from './exit-reason.js';

const details = (fields: Partial<ContainerDetails>): ContainerDetails =>
  ({ exitCode: 0, oomKilled: false, error: '', memoryBytes: 0, ...fields }) as ContainerDetails;

describe('describeExit', () => {
  it('names an out-of-memory kill with the limit', () => {
    expect(
      describeExit(details({ exitCode: 137, oomKilled: true, memoryBytes: 64 * 1024 ** 2 }), undefined),
    ).toEqual({
      reason: 'killed for running out of memory (limit 64 MiB)',
      code: MCPErrorCode.ContainerOomKilled,
      clean: false,
    });
  });
  it('trusts the cgroup count where the engine does not flag the kill', () => {
    expect(
      describeExit(details({ exitCode: 137, memoryBytes: 96 * 1024 ** 2 }), undefined, true),
    ).toMatchObject({
      reason: 'killed for running out of memory (limit 96 MiB)',
      code: MCPErrorCode.ContainerOomKilled,
    });
  });
  it('names the signal of a killed container', () => {
    expect(describeExit(details({ exitCode: 137 }), undefined).reason).toBe(
      'container exited with code 137 (SIGKILL)',
    );
    expect(describeExit(undefined, 143).reason).toBe('container exited with code 143 (SIGTERM)');
  });
  it('tells a clean exit from a failure', () => {
    expect(describeExit(details({ exitCode: 0 }), undefined).clean).toBe(true);
    expect(describeExit(details({ exitCode: 1, error: 'boom' }), undefined)).toMatchObject({
      clean: false,
      reason: 'container exited with code 1: boom',
    });
  });
});
