import { mkdtempSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { LABEL } from './labels.js';
import { DESKTOP_OWNER_ID, assertOwnerId, desktopOwner, ownerForConfig, ownership } from './owner.js';

describe('ownerForConfig', () => {
  it('gives one file one id, through a symlinked folder too, and another file another', () => {
    const root = mkdtempSync(join(tmpdir(), 'mcpman-owner-'));
    onTestFinished(() => {
      rmSync(root, { recursive: true, force: true });
    });
    mkdirSync(join(root, 'project'));
    symlinkSync(join(root, 'project'), join(root, 'link'));
    const a = ownerForConfig(join(root, 'project', 'mcpman.yaml'));
    expect(ownerForConfig(join(root, 'link', 'mcpman.yaml')).id).toBe(a.id);
    expect(ownerForConfig(join(root, 'project', 'other.yaml')).id).not.toBe(a.id);
    expect(a.name).toBe(join(root, 'project', 'mcpman.yaml'));
    expect(assertOwnerId(a.id)).toBe(a.id);
    expect(a.id).not.toBe(DESKTOP_OWNER_ID);
  });

  it('refuses ids that would make container names ambiguous', () => {
    expect(() => assertOwnerId('a-b')).toThrow(/lowercase letters or digits/);
    expect(() => assertOwnerId('')).toThrow();
    expect(desktopOwner('/x/mcpman.yaml').id).toBe(DESKTOP_OWNER_ID);
  });
});

describe('ownership', () => {
  const me = { id: 'abc', name: 'me' };
  it('tells mine, unowned (from before owner labels) and another manager apart', () => {
    expect(ownership({ [LABEL.owner]: 'abc' }, me)).toBe('mine');
    expect(ownership({ [LABEL.managed]: 'true' }, me)).toBe('unowned');
    expect(ownership({ [LABEL.owner]: 'desktop' }, me)).toBe('other');
  });
});
