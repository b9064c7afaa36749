import { Cancellation } from '@mcpman/protocol';
import { describe, expect, it } from 'vitest';
import { InputBridge, ParkedCall } from './input-bridge.js';
import type { CallOwner } from './input-bridge.js';

const alice: CallOwner = { identity: 'alice', method: 'tools/call', target: 'alpha__approve' };

function parked(owner: CallOwner): ParkedCall {
  return new ParkedCall({ elicitation: {} }, new Cancellation(), owner);
}

describe('InputBridge: who may resume a parked call', () => {
  it('resumes a call only for the identity, session and call that parked it', () => {
    const bridge = new InputBridge();
    const call = parked({ ...alice, session: 's1' });
    bridge.park(call);
    const token = bridge.token(call);
    // Someone who saw the token (a proxy log, a shared debugging tool) cannot answer for alice.
    expect(() => bridge.resolve(token, { ...alice, identity: 'mallory', session: 's1' })).toThrow(
      /has ended or expired/,
    );
    expect(() => bridge.resolve(token, { ...alice, session: 's2' })).toThrow(/has ended or expired/);
    expect(() => bridge.resolve(token, { ...alice, session: 's1', target: 'alpha__delete' })).toThrow(
      /has ended or expired/,
    );
    expect(bridge.resolve(token, { ...alice, session: 's1' })).toBe(call);
    bridge.dispose();
  });

  it("caps the calls one identity keeps waiting: its oldest make way, never another's", () => {
    const bridge = new InputBridge(60_000, 10, 2);
    const bob = parked({ ...alice, identity: 'bob' });
    bridge.park(bob);
    const first = parked(alice);
    bridge.park(first);
    bridge.park(parked(alice));
    const firstToken = bridge.token(first);
    bridge.park(parked(alice));
    expect(() => bridge.resolve(firstToken, alice)).toThrow(/has ended or expired/);
    expect(bridge.resolve(bridge.token(bob), { ...alice, identity: 'bob' })).toBe(bob);
    bridge.dispose();
  });

  it('refuses to park past the gateway-wide cap instead of evicting anyone', () => {
    const bridge = new InputBridge(60_000, 2, 10);
    const kept = parked({ ...alice, identity: 'carol' });
    bridge.park(kept);
    bridge.park(parked({ ...alice, identity: 'dave' }));
    expect(() => {
      bridge.park(parked({ ...alice, identity: 'erin' }));
    }).toThrow(expect.objectContaining({ code: 'LIMIT_EXCEEDED' }));
    expect(bridge.resolve(bridge.token(kept), { ...alice, identity: 'carol' })).toBe(kept);
    bridge.dispose();
  });
});
