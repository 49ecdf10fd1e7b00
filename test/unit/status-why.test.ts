import { describe, expect, it } from 'vitest';
import { formatStatus, plural, wrapList } from '../../src/cli/status-format.js';
import { batchStatusFromHash, describePause } from '../../src/store/batch-status.js';
import { parseSendWindow } from '../../src/shared/send-window.js';

/** A batch hash as the store keeps it (counters `c:*` and `t:*`, times in ms). */
function hash(fields: Record<string, string | number>): Record<string, string> {
  const base: Record<string, string | number> = {
    createdAt: Date.UTC(2026, 10, 27, 8),
    'c:total': 3,
    'c:pending': 3,
    't:total': 3,
    't:pending': 3,
    state: 'running',
  };
  return Object.fromEntries(Object.entries({ ...base, ...fields }).map(([k, v]) => [k, String(v)]));
}

// Saturday 28 November 2026, 12:00 UTC (13:00 in Berlin).
const SATURDAY_NOON = Date.UTC(2026, 10, 28, 12);
const BERLIN_OFFICE = JSON.stringify(parseSendWindow('mon-fri 09:00-18:00 Europe/Berlin'));

describe('status says why a batch waits', () => {
  it('names the reason of a pause: the vendor refusing the key, or an operator', () => {
    const byVendor = batchStatusFromHash(
      'b',
      hash({ state: 'paused', pausedReason: 'http_401' }),
      SATURDAY_NOON,
    );
    expect(byVendor).toMatchObject({
      state: 'paused',
      pausedReason: 'the vendor refused the API key (401)',
      nextSendAt: null,
    });
    expect(describePause('http_403')).toBe('the vendor refused the API key (403)');
    expect(describePause('operator')).toBe('paused by an operator');
    expect(describePause(undefined)).toBe('paused by an operator');
    const running = batchStatusFromHash('b', hash({ pausedReason: 'http_401' }), SATURDAY_NOON);
    expect(running.pausedReason).toBeNull();
  });

  it('gives the scheduled start while it is ahead', () => {
    const start = SATURDAY_NOON + 3_600_000;
    const status = batchStatusFromHash(
      'b',
      hash({ state: 'scheduled', scheduledAt: start }),
      SATURDAY_NOON,
    );
    expect(status).toMatchObject({ state: 'scheduled', nextSendAt: new Date(start).toISOString() });
  });

  it("gives the send window's next opening in its zone when now is outside it", () => {
    const status = batchStatusFromHash('b', hash({ window: BERLIN_OFFICE }), SATURDAY_NOON);
    // Monday 30 November, 09:00 in Berlin (UTC+1).
    expect(status.nextSendAt).toBe('2026-11-30T08:00:00.000Z');
    const monday10 = Date.UTC(2026, 10, 30, 9);
    expect(
      batchStatusFromHash('b', hash({ window: BERLIN_OFFICE }), monday10).nextSendAt,
    ).toBeNull();
  });

  it('combines both: a start on a Saturday waits for Monday’s opening', () => {
    const status = batchStatusFromHash(
      'b',
      hash({ state: 'scheduled', scheduledAt: SATURDAY_NOON + 60_000, window: BERLIN_OFFICE }),
      SATURDAY_NOON,
    );
    expect(status.nextSendAt).toBe('2026-11-30T08:00:00.000Z');
  });

  it('has nothing to wait for once nothing is pending', () => {
    const done = batchStatusFromHash(
      'b',
      hash({ 'c:pending': 0, 'c:completed': 3, window: BERLIN_OFFICE }),
      SATURDAY_NOON,
    );
    expect(done).toMatchObject({ state: 'completed', nextSendAt: null, pausedReason: null });
  });
});

describe('the human status', () => {
  it('says it in words, within 80 columns, in the singular for one', () => {
    const paused = batchStatusFromHash(
      'spring-outreach-2026',
      hash({
        state: 'paused',
        pausedReason: 'http_401',
        'c:total': 1_234_567,
        'c:pending': 1_000_000,
        'c:active': 50_000,
        'c:completed': 150_000,
        'c:ended': 20_000,
        'c:failed': 10_000,
        'c:cancelled': 4_000,
        'c:expired': 567,
        't:total': 9_876_543,
        't:pending': 8_000_000,
      }),
      SATURDAY_NOON,
    );
    const text = formatStatus(paused);
    for (const line of text.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
    expect(text).toContain('paused: the vendor refused the API key (401)');
    expect(text).toContain('1,234,567 conversations: 1000000 pending');

    const waiting = formatStatus(
      batchStatusFromHash(
        'b',
        hash({ 'c:total': 1, 't:total': 1, 'c:pending': 1, window: BERLIN_OFFICE }),
        SATURDAY_NOON,
      ),
    );
    expect(waiting).toContain('  1 conversation: 1 pending');
    expect(waiting).toContain('  1 turn: 3 pending');
    expect(waiting).toContain('  next send: 2026-11-30T08:00:00.000Z (when the send window opens)');
  });

  it('wraps lists and counts plurals', () => {
    expect(plural(1, 'row')).toBe('1 row');
    expect(plural(0, 'row')).toBe('0 rows');
    expect(plural(1200, 'conversation')).toBe('1,200 conversations');
    expect(wrapList('ab: ', ['one', 'two', 'three'], '  ', 11)).toEqual([
      'ab: one,',
      '  two,',
      '  three',
    ]);
  });
});
