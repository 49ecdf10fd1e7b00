import { z } from 'zod';

/**
 * Dynamic variables: an object of strings. Checked without being copied, like the Chats API
 * schema does (src/shared/chats-api.ts): zod's `z.record` rebuilds the object by assignment,
 * which silently drops a variable named `__proto__`, and CONTRACT.md says such names are plain
 * variable names. The JSON parser keeps such keys as own properties (see content-parsers.ts).
 */
export const dynamicVariablesSchema = z
  .custom<Record<string, string>>(
    (value) => {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
      for (const key of Object.keys(value)) {
        if (typeof (value as Record<string, unknown>)[key] !== 'string') return false;
      }
      return true;
    },
    { message: 'must be an object whose values are all strings' },
  )
  .meta({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: 'dynamic variables sent to the agent: name → text',
    example: { customer_name: 'Michael', order_number: 'SO-48000' },
  });
