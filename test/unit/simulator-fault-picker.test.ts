import { describe, expect, it, vi } from 'vitest';
import { createFaultPicker, pickServerError } from '../../src/simulator/fault-picker.js';
import { NO_FAULTS, parseFaultSpec } from '../../src/simulator/fault-spec.js';

describe('createFaultPicker', () => {
  it('maps one draw onto the cumulative fractions in FAULT_KINDS order', () => {
    const pick = createFaultPicker(parseFaultSpec('429=0.25,5xx=0.5'));
    expect(pick(() => 0)).toBe('5xx');
    expect(pick(() => 0.49)).toBe('5xx');
    expect(pick(() => 0.5)).toBe('429');
    expect(pick(() => 0.74)).toBe('429');
    expect(pick(() => 0.75)).toBeNull();
    expect(pick(() => 0.999)).toBeNull();
  });

  it('skips zero fractions and never draws for an empty mix', () => {
    const random = vi.fn(() => 0);
    expect(createFaultPicker(NO_FAULTS)(random)).toBeNull();
    expect(createFaultPicker(parseFaultSpec('5xx=0,reset=0'))(random)).toBeNull();
    expect(random).not.toHaveBeenCalled();
    expect(createFaultPicker(parseFaultSpec('5xx=0,reset=1'))(() => 0)).toBe('reset');
  });

  it('spreads 5xx over 500, 502, 503 and 504', () => {
    expect([0, 0.3, 0.6, 0.99].map((r) => pickServerError(() => r))).toEqual([500, 502, 503, 504]);
  });
});
