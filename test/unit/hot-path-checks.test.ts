import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normaliseOptOut, optOutTest, optOutWordList } from '../../src/shared/opt-out.js';
import { parseTurnJob, turnJobSchema } from '../../src/shared/turn-queue.js';
import {
  VENDOR_CHAT_STATUSES,
  chatResponseSchema,
  readChatResponse,
} from '../../src/vendor/chats-api.js';

/**
 * The hot path checks by hand what a zod schema (or a plain rule) says elsewhere, to save the
 * worker CPU per turn. These keep each hand check in step with its reference, on inputs shaped
 * like the real ones and on mutations of them.
 */

/** A value near the expected shape: the right type, a wrong one, or nothing. */
const near = <T>(good: fc.Arbitrary<T>) =>
  fc.oneof(
    { weight: 6, arbitrary: good },
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.anything() },
  );

const optionalKey = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

function withoutUndefined(o: Record<string, unknown>) {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

const turnJobLike = fc
  .record({
    b: near(fc.string({ maxLength: 4 })),
    c: near(fc.string({ maxLength: 4 })),
    k: near(fc.oneof(fc.integer({ min: -2, max: 5 }), fc.double(), fc.constant(2 ** 60))),
    f: optionalKey(
      near(
        fc
          .record({
            a: near(fc.string({ maxLength: 3 })),
            i: near(fc.string({ maxLength: 3 })),
            v: optionalKey(near(fc.string({ maxLength: 3 }))),
            p: optionalKey(near(fc.string({ maxLength: 3 }))),
            z: optionalKey(near(fc.string({ maxLength: 3 }))),
          })
          .map(withoutUndefined),
      ),
    ),
  })
  .map(withoutUndefined);

const chatResponseLike = fc
  .record({
    chatId: near(fc.string({ maxLength: 4 })),
    status: near(fc.oneof(fc.constantFrom(...VENDOR_CHAT_STATUSES), fc.string({ maxLength: 5 }))),
    response: near(
      fc.array(near(fc.dictionary(fc.string({ maxLength: 3 }), fc.string({ maxLength: 3 }))), {
        maxLength: 3,
      }),
    ),
    createdAt: optionalKey(near(fc.string({ maxLength: 4 }))),
    agent: optionalKey(fc.anything()),
  })
  .map(withoutUndefined);

describe('hand checks of the hot path', () => {
  it('parseTurnJob accepts exactly what turnJobSchema accepts, with the same fields', () => {
    fc.assert(
      fc.property(fc.oneof(turnJobLike, fc.anything()), (data) => {
        const schema = turnJobSchema.safeParse(data);
        const parsed = parseTurnJob(data);
        expect(parsed !== undefined).toBe(schema.success);
        if (schema.success) expect(parsed).toMatchObject(schema.data);
      }),
      { numRuns: 20_000 },
    );
  });

  it('readChatResponse accepts only what chatResponseSchema accepts, and every documented reply', () => {
    fc.assert(
      fc.property(fc.oneof(chatResponseLike, fc.anything()), (json) => {
        const schema = chatResponseSchema.safeParse(json);
        const read = readChatResponse(json);
        if (read !== undefined) {
          expect(schema.success).toBe(true);
          expect(read).toMatchObject(schema.data!);
        }
        // A reply the schema accepts with the documented field types is read by hand too.
        if (schema.success) expect(read).toBeDefined();
      }),
      { numRuns: 20_000 },
    );
  });

  it('normaliseOptOut trims, collapses ASCII white space and folds ASCII capitals only', () => {
    const reference = (text: string) =>
      text
        .trim()
        .replace(/[ \t\r\n\f\v]+/g, ' ')
        .replace(/[A-Z]/g, (c) => c.toLowerCase());
    const text = fc.array(
      fc.oneof(
        fc.constantFrom('S', 't', 'O', 'p', ' ', '\t', '\n', 'É', 'İ', 'ß', '\u00a0', 'Z', 'a'),
        fc.string({ maxLength: 2 }),
      ),
      { maxLength: 12 },
    );
    fc.assert(
      fc.property(text, (parts) => {
        const input = parts.join('');
        expect(normaliseOptOut(input)).toBe(reference(input));
      }),
      { numRuns: 20_000 },
    );
    expect(normaliseOptOut('  OPT \t  Out ')).toBe('opt out');
    expect(normaliseOptOut('ÉSTOP')).toBe('Éstop');
  });

  it('optOutTest answers as a lookup of the normalised input, for inputs of at most 80 characters', () => {
    const words = optOutWordList('STOP, opt out,Éxit,\u00a0quit');
    const isOptOut = optOutTest(words);
    const lookup = new Set(words);
    const piece = fc.oneof(
      fc.constantFrom(
        'S',
        't',
        'O',
        'p',
        'opt',
        'OUT',
        'quit',
        'É',
        'xit',
        ' ',
        '\t',
        '\u00a0',
        '\ufeff',
      ),
      fc.string({ maxLength: 3 }),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), (parts) => {
        const input = parts.join('');
        expect(isOptOut(input)).toBe(input.length <= 80 && lookup.has(normaliseOptOut(input)));
      }),
      { numRuns: 20_000 },
    );
    expect(isOptOut(' \u00a0Stop ')).toBe(true);
    expect(isOptOut('OPT   out')).toBe(true);
    expect(isOptOut('stop please')).toBe(false);
    expect(optOutTest([])('stop')).toBe(false);
  });
});
