import { describe, expect, it } from 'vitest';
import { createRejectWindow } from '../../src/worker/pacing/reject-window.js';

describe('createRejectWindow', () => {
  it('gives the share refused over about the last second, none with too few attempts', () => {
    let now = 10_000;
    const w = createRejectWindow(() => now);
    for (let i = 0; i < 9; i++) w.note(i < 3 ? 'refused' : 'success');
    expect(w.refusals()).toBeUndefined();
    w.note('success');
    expect(w.refusals()).toEqual({ attempts: 10, refused: 3 });
    // A second later those attempts are out of the window.
    now += 1000;
    expect(w.refusals()).toBeUndefined();
  });

  it('a worker sending slowly for most of a second has a share after fewer attempts', () => {
    let now = 40_000;
    const w = createRejectWindow(() => now);
    w.note('success');
    w.note('refused');
    expect(w.refusals()).toBeUndefined();
    now += 250;
    w.note('success');
    now += 250;
    w.note('success');
    expect(w.refusals()).toEqual({ attempts: 4, refused: 1 });
  });

  it('a shorter window only counts its last buckets', () => {
    let now = 20_000;
    const w = createRejectWindow(() => now);
    for (let i = 0; i < 10; i++) w.note('refused');
    now += 600;
    for (let i = 0; i < 10; i++) w.note('success');
    expect(w.refusals(1000)).toEqual({ attempts: 20, refused: 10 });
    expect(w.refusals(500)).toEqual({ attempts: 10, refused: 0 });
  });

  it('counts up to two seconds, and only buckets begun since a given time', () => {
    let now = 60_000;
    const w = createRejectWindow(() => now);
    for (let i = 0; i < 8; i++) w.note('refused');
    now += 1000;
    for (let i = 0; i < 8; i++) w.note('success');
    expect(w.refusals(1000)).toBeUndefined();
    expect(w.refusals(2000)).toEqual({ attempts: 16, refused: 8 });
    // A decrease at 60 500: the refusals before it are the old pace's.
    expect(w.refusals(2000, 60_500)).toBeUndefined();
    for (let i = 0; i < 2; i++) w.note('refused');
    expect(w.refusals(2000, 60_500)).toEqual({ attempts: 10, refused: 2 });
  });

  it('tells how much of the last second this worker has been sending', () => {
    let now = 50_000;
    const w = createRejectWindow(() => now);
    w.note('success');
    now += 300;
    expect(w.activeSeconds()).toBeCloseTo(0.3, 6);
    // After a quiet second it starts over.
    now += 2000;
    w.note('success');
    expect(w.activeSeconds()).toBe(0.1);
    for (let i = 0; i < 8; i++) {
      now += 250;
      w.note('success');
    }
    expect(w.activeSeconds()).toBe(1);
    now += 600;
    expect(w.activeSeconds()).toBe(1);
  });

  it('the success share counts only admitted attempts (not the 429s)', () => {
    const w = createRejectWindow(() => 30_000);
    for (let i = 0; i < 10; i++) w.note('refused');
    for (let i = 0; i < 7; i++) w.note('success');
    for (let i = 0; i < 3; i++) w.note('other');
    expect(w.successShare()).toBeCloseTo(0.7, 6);
    // Too few admitted attempts to tell: all of them count as successes.
    const fresh = createRejectWindow(() => 30_000);
    fresh.note('other');
    expect(fresh.successShare()).toBe(1);
  });
});
