import { describe, expect, it } from 'vitest';
import { CapacityGate } from '../../src/simulator/capacity.js';

describe('CapacityGate (the simulator account’s capacity)', () => {
  it('accepts at most `capacity` requests in any sliding second', () => {
    const gate = new CapacityGate(3);
    expect([0, 100, 200, 300].map((t) => gate.admit(t))).toEqual([true, true, true, false]);
    // Refused requests do not count: at 1000 the first accepted one (at 0) has left the window.
    expect(gate.admit(999)).toBe(false);
    expect(gate.admit(1000)).toBe(true);
    expect(gate.admit(1001)).toBe(false);
    expect(gate.admit(1100)).toBe(true);
  });

  it('no capacity accepts everything; 0 refuses everything', () => {
    const open = new CapacityGate();
    for (let t = 0; t < 10_000; t++) expect(open.admit(t)).toBe(true);
    const shut = new CapacityGate(0);
    expect(shut.admit(0)).toBe(false);
  });

  it('a new capacity applies from the next request; the accepted ones still count', () => {
    const gate = new CapacityGate(10);
    for (let t = 0; t < 10; t++) expect(gate.admit(t * 10)).toBe(true);
    gate.capacity = 5;
    expect(gate.admit(200)).toBe(false);
    gate.capacity = 20;
    expect(gate.admit(200)).toBe(true);
    gate.capacity = undefined;
    expect(gate.admit(201)).toBe(true);
  });

  it('keeps memory bounded over a long run at capacity', () => {
    const gate = new CapacityGate(100);
    let accepted = 0;
    for (let t = 0; t < 600_000; t += 2) if (gate.admit(t)) accepted++;
    // 100 per second for 600 s.
    expect(accepted).toBe(60_000);
  });

  it('rejects a capacity that is not a number ≥ 0', () => {
    expect(() => new CapacityGate(-1)).toThrow(/capacity/);
    expect(() => new CapacityGate(Number.NaN)).toThrow(/capacity/);
  });
});
