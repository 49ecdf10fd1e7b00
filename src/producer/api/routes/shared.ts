import { z } from 'zod';

/** Documents `Idempotency-Key` on every POST (other headers pass through untouched). */
export const idempotencyHeaders = z.looseObject({
  'idempotency-key': z
    .string()
    .optional()
    .describe(
      'Optional, 1-255 visible ASCII characters. The same key with the same request returns ' +
        'the first answer again and does nothing twice (for 24 hours); with a different request, 422.',
    ),
});

/** The query string exactly as sent, '' when none. */
export function rawQueryOf(url: string): string {
  const mark = url.indexOf('?');
  return mark < 0 ? '' : url.slice(mark + 1);
}
