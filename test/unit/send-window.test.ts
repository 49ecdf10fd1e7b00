import { describe, expect, it } from 'vitest';
import {
  firstInstantAtLocal,
  isInsideWindow,
  nextWindowOpening,
  parseSendWindow,
  formatSendWindow,
  SendWindowError,
} from '../../src/shared/send-window.js';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();
const officeHours = parseSendWindow('mon-fri 09:00-18:00 Europe/Berlin');

describe('parseSendWindow', () => {
  it('reads days, times and zone', () => {
    expect(parseSendWindow('mon-fri 09:00-18:00 Europe/Berlin')).toEqual({
      days: [1, 2, 3, 4, 5],
      startMinute: 540,
      endMinute: 1080,
      timezone: 'Europe/Berlin',
    });
    expect(parseSendWindow('sat,sun 10:30-12:00').days).toEqual([6, 7]);
    expect(parseSendWindow('fri-mon 10:00-11:00 UTC').days).toEqual([1, 5, 6, 7]);
  });

  it.each([
    ['mon-fri 22:00-06:00 UTC', 'across midnight'],
    ['mon-fri 09:00-09:00 UTC', 'must be after start'],
    ['funday 09:00-10:00 UTC', 'days'],
    ['mon 9-10 UTC', 'expected'],
    ['mon 09:00-10:00 Mars/Olympus', 'IANA'],
    ['mon 25:00-26:00 UTC', 'not a time'],
  ])('rejects %s with a clear error', (text, words) => {
    expect(() => parseSendWindow(text)).toThrow(SendWindowError);
    expect(() => parseSendWindow(text)).toThrow(words);
  });
});

describe('nextWindowOpening', () => {
  it('is now when the window is open', () => {
    const now = at('2026-11-25T10:00:00Z'); // Wednesday 11:00 in Berlin
    expect(nextWindowOpening(now, officeHours, 'Europe/Berlin')).toBe(now);
  });

  it('waits for the opening in a zone east of UTC', () => {
    const now = at('2026-11-25T05:00:00Z'); // Wednesday 06:00 in Berlin
    expect(iso(nextWindowOpening(now, officeHours, 'Europe/Berlin'))).toBe(
      '2026-11-25T08:00:00.000Z',
    );
  });

  it('waits for the opening in a zone west of UTC (recipient zone overrides the window zone)', () => {
    const now = at('2026-11-25T12:00:00Z'); // Wednesday 07:00 in New York
    expect(iso(nextWindowOpening(now, officeHours, 'America/New_York'))).toBe(
      '2026-11-25T14:00:00.000Z',
    );
  });

  it('after closing time, opens the next weekday; Friday evening waits for Monday', () => {
    expect(iso(nextWindowOpening(at('2026-11-25T18:30:00Z'), officeHours, 'Europe/Berlin'))).toBe(
      '2026-11-26T08:00:00.000Z',
    );
    expect(iso(nextWindowOpening(at('2026-11-27T17:00:00Z'), officeHours, 'Europe/Berlin'))).toBe(
      '2026-11-30T08:00:00.000Z',
    );
  });

  it('the end is exclusive', () => {
    expect(isInsideWindow(at('2026-11-25T16:59:59Z'), officeHours, 'Europe/Berlin')).toBe(true);
    expect(isInsideWindow(at('2026-11-25T17:00:00Z'), officeHours, 'Europe/Berlin')).toBe(false);
  });

  it('handles every weekday', () => {
    const weekends = parseSendWindow('sat-sun 09:00-10:00 UTC');
    // From Monday 2026-11-23 12:00 UTC, each single-day window opens on its own day.
    const names = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
    names.forEach((name, i) => {
      const window = parseSendWindow(`${name} 13:00-14:00 UTC`);
      expect(iso(nextWindowOpening(at('2026-11-23T12:00:00Z'), window, 'UTC'))).toBe(
        `2026-11-${String(23 + i).padStart(2, '0')}T13:00:00.000Z`,
      );
    });
    expect(iso(nextWindowOpening(at('2026-11-23T12:00:00Z'), weekends, 'UTC'))).toBe(
      '2026-11-28T09:00:00.000Z',
    );
  });

  it('spring forward: a window opening at 02:30 opens at 03:00 on the day the clock skips it', () => {
    // Europe/Berlin skips 02:00-03:00 on Sunday 2026-03-29.
    const night = parseSendWindow('sun 02:30-05:00 Europe/Berlin');
    const opening = nextWindowOpening(at('2026-03-28T23:00:00Z'), night, 'Europe/Berlin');
    expect(iso(opening)).toBe('2026-03-29T01:00:00.000Z'); // 03:00 CEST
  });

  it('fall back: a window at 02:30 opens at the first 02:30 of the day the clock repeats it', () => {
    // Europe/Berlin repeats 02:00-03:00 on Sunday 2026-10-25.
    const night = parseSendWindow('sun 02:30-05:00 Europe/Berlin');
    const opening = nextWindowOpening(at('2026-10-24T22:00:00Z'), night, 'Europe/Berlin');
    expect(iso(opening)).toBe('2026-10-25T00:30:00.000Z'); // 02:30 CEST, the first one
  });

  it('US spring forward in a zone west of UTC', () => {
    // America/New_York skips 02:00-03:00 on 2026-03-08.
    expect(iso(firstInstantAtLocal(Date.UTC(2026, 2, 8, 2, 30), 'America/New_York'))).toBe(
      '2026-03-08T07:00:00.000Z',
    );
  });
});

describe('formatSendWindow', () => {
  it('writes a window back in the text form it is parsed from', () => {
    for (const text of [
      'mon-fri 09:00-18:00 Europe/Berlin',
      'sat,sun 10:00-12:30 UTC',
      'mon,wed,fri 00:00-24:00 America/New_York',
      'mon-wed,fri-sun 08:05-09:00 Asia/Tokyo',
    ]) {
      expect(formatSendWindow(parseSendWindow(text))).toBe(text);
    }
  });
});
