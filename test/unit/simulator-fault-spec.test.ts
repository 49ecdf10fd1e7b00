import { describe, expect, it } from 'vitest';
import { NO_FAULTS, parseFaultSpec } from '../../src/simulator/fault-spec.js';

describe('parseFaultSpec', () => {
  it('reads every documented key', () => {
    const mix = parseFaultSpec(
      '5xx=0.1,429=0.05,reset=0.02,lost=0.02,malformed=0.01,error=0.01,retry-after=3',
    );
    expect(mix).toEqual({
      rates: { '5xx': 0.1, '429': 0.05, reset: 0.02, lost: 0.02, malformed: 0.01, error: 0.01 },
      retryAfterSeconds: 3,
    });
  });

  it('accepts the specific status codes as keys', () => {
    expect(parseFaultSpec('401=0.1,422=0.1,500=0.1,502=0.1,503=0.1').rates).toEqual({
      '401': 0.1,
      '422': 0.1,
      '500': 0.1,
      '502': 0.1,
      '503': 0.1,
    });
  });

  it('defaults retry-after to 1 second and treats an empty spec as no faults', () => {
    expect(parseFaultSpec('429=0.5').retryAfterSeconds).toBe(1);
    expect(parseFaultSpec('')).toEqual(NO_FAULTS);
    expect(parseFaultSpec('  ')).toEqual(NO_FAULTS);
  });

  it('ignores spaces, empty items and key case', () => {
    expect(parseFaultSpec(' 5XX = 0.5 , , Reset=.25,').rates).toEqual({ '5xx': 0.5, reset: 0.25 });
  });

  it('accepts fractions that add up to exactly 1 despite float rounding', () => {
    expect(() => parseFaultSpec('5xx=0.1,429=0.2,reset=0.7')).not.toThrow();
    expect(parseFaultSpec('lost=1').rates).toEqual({ lost: 1 });
  });

  it.each([
    ['bogus=0.1', /unknown key "bogus"/],
    ['5xx', /"5xx" is not key=value/],
    ['5xx=abc', /5xx must be a fraction between 0 and 1, got "abc"/],
    ['5xx=', /5xx must be a fraction/],
    ['5xx=1.5', /5xx must be a fraction between 0 and 1, got "1.5"/],
    ['5xx=-0.1', /5xx must be a fraction/],
    ['5xx=1e-2', /5xx must be a fraction/],
    ['429=0.1,429=0.2', /"429" is given twice/],
    ['retry-after=1.5', /retry-after must be whole seconds/],
    ['retry-after=-1', /retry-after must be whole seconds/],
    ['5xx=0.6,429=0.5', /add up to 1.1, more than 1/],
  ])('rejects %s', (spec, message) => {
    expect(() => parseFaultSpec(spec)).toThrow(message);
  });
});
