import { describe, expect, it } from 'vitest';
import { createNoiseFloor } from '../../src/worker/pacing/noise-floor.js';

const floor = () => createNoiseFloor({ overloadRejectShare: 0.25 });

describe('the noise floor', () => {
  it('is 0 until it has seen enough attempts, then the share refused', () => {
    const f = floor();
    f.observe({ attempts: 10, refused: 1 });
    f.observe({ attempts: 9, refused: 1 });
    expect(f.share).toBe(0);
    f.observe({ attempts: 11, refused: 1 });
    // ((1 × 0.975 + 1) × 0.975 + 1) / ((10 × 0.975 + 9) × 0.975 + 11)
    expect(f.share).toBeCloseTo(2.925625 / 29.28125, 6);
  });

  it('counts attempts, not an average of shares: many thin observations make one estimate', () => {
    const f = floor();
    // A slow worker: one attempt per 250 ms, a 10% refusal rate over time.
    for (let i = 0; i < 200; i++) f.observe({ attempts: 1, refused: i % 10 === 0 ? 1 : 0 });
    expect(f.share).toBeGreaterThan(0.05);
    expect(f.share).toBeLessThan(0.15);
  });

  it('forgets: a vendor that stops refusing at random brings the floor down', () => {
    const f = floor();
    for (let i = 0; i < 40; i++) f.observe({ attempts: 10, refused: 1 });
    for (let i = 0; i < 80; i++) f.observe({ attempts: 10, refused: 0 });
    expect(f.share).toBeLessThan(0.02);
  });

  it('leaves out a stretch far over capacity (a capacity still falling), not noise', () => {
    const f = floor();
    f.observe({ attempts: 20, refused: 0 });
    f.observe({ attempts: 20, refused: 10 });
    expect(f.share).toBe(0);
    // Two refusals of four is too little to call it overload: it counts.
    f.observe({ attempts: 4, refused: 2 });
    expect(f.share).toBeGreaterThan(0);
  });
});
