import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  conversationIdOf,
  conversationIdIssues,
  jsonConversationRows,
} from '../../src/producer/api/submit/json-conversations.js';
import { submitJsonSchema } from '../../src/producer/api/schemas/batches.js';
import { CHAT_LIMITS } from '../../src/vendor/chats-api.js';

/** Text with what breaks naive code: blanks, quotes, control characters, Unicode, prototypes. */
const text = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.constantFrom('', '   ', '__proto__', 'constructor', 'Europe/Paris', 'Mars/Olympus', '😀'),
  fc.string({ unit: 'binary', maxLength: 10 }),
);
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

const variables = fc.dictionary(
  fc.oneof(fc.constantFrom('__proto__', 'constructor', 'toString', 'name'), fc.string()),
  fc.oneof({ weight: 9, arbitrary: fc.string() }, { weight: 1, arbitrary: fc.integer() }),
  { maxKeys: 6 },
);

const conversation = fc.record(
  {
    conversationId: maybe(fc.oneof(text, fc.constant(null))),
    agentId: maybe(fc.oneof(text, fc.constant(null), fc.constant('a'.repeat(65)))),
    dynamicVariables: maybe(fc.oneof(variables, fc.constant(null))),
    previousChatId: maybe(fc.oneof(text, fc.constant('c'.repeat(129)))),
    timezone: maybe(text),
    turns: fc.array(fc.oneof(text, fc.constant('x'.repeat(CHAT_LIMITS.inputMax + 1))), {
      maxLength: 4,
    }),
  },
  { requiredKeys: ['turns'] },
);

const body = fc.record(
  {
    batchId: maybe(fc.oneof(text, fc.constant(null))),
    agentId: maybe(fc.oneof(text, fc.constant(null))),
    strict: maybe(fc.boolean()),
    dryRun: maybe(fc.boolean()),
    conversations: fc.array(conversation, { maxLength: 6 }),
  },
  { requiredKeys: ['conversations'] },
);

/** A JSON round trip, as the body arrives over HTTP (`__proto__` stays an own key). */
const overTheWire = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

describe('API JSON bodies, fuzzed', () => {
  it('any JSON value: the schema answers ok or issues, it never throws', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const result = submitJsonSchema.safeParse(value);
        if (!result.success) expect(result.error.issues.length).toBeGreaterThan(0);
      }),
      { numRuns: 500 },
    );
  });

  it('a valid body maps to rows: one per turn, reasons on rejected conversations, variables intact', () => {
    let mapped = 0;
    fc.assert(
      fc.property(body, (raw) => {
        const before = Object.keys(Object.prototype).length;
        const parsed = submitJsonSchema.safeParse(overTheWire(raw));
        if (!parsed.success) return;
        mapped++;
        const issues = conversationIdIssues(parsed.data);
        const rows = [...jsonConversationRows(parsed.data, parsed.data.agentId ?? undefined)];
        parsed.data.conversations.forEach((c, index) => {
          const own = rows.filter((row) => row.index === index);
          expect(own).toHaveLength(Math.max(1, c.turns.length));
          const [first, ...later] = own;
          expect(first!.conversationId).toBe(conversationIdOf(c, index));
          for (const row of later) expect(row.errors).toEqual([]);
          if (first!.errors.length === 0) {
            for (const row of own) {
              expect(row.input.trim()).toBe(row.input);
              expect(row.input.length).toBeGreaterThan(0);
              expect(row.input.length).toBeLessThanOrEqual(CHAT_LIMITS.inputMax);
            }
            expect(first!.agentId).toBeDefined();
            expect(first!.agentId!.length).toBeLessThanOrEqual(CHAT_LIMITS.agentIdMax);
          } else {
            for (const error of first!.errors) expect(error).toMatch(/^[\w[\]]+: ./);
          }
          // Every variable arrives as sent, `__proto__` included, as an own key.
          const sent = c.dynamicVariables ?? {};
          expect(Object.keys(first!.variables).sort()).toEqual(Object.keys(sent).sort());
        });
        // Two conversations with one id are refused, never merged.
        const ids = parsed.data.conversations.map(conversationIdOf);
        expect(issues.length).toBe(ids.length - new Set(ids).size);
        expect(Object.keys(Object.prototype)).toHaveLength(before);
      }),
      { numRuns: 500 },
    );
    // The generator must reach the mapping, not only the schema's refusals.
    expect(mapped).toBeGreaterThan(100);
  });

  it('variables that are not all strings are refused with a reason', () => {
    const result = submitJsonSchema.safeParse({
      conversations: [{ turns: ['hi'], dynamicVariables: { n: 1 } }],
    });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain('dynamicVariables');
  });
});
