import { dynamicVariablesSchema as vendorVariablesSchema } from '../../../vendor/chats-api.js';

/**
 * Dynamic variables: an object of strings, with the Chats API's own check (src/vendor/chats-api.ts),
 * which does not copy the object: zod's `z.record` rebuilds it by assignment and would silently
 * drop a variable named `__proto__`, while docs/reference/contract.md says such names are plain variable names.
 * The JSON parser keeps such keys as own properties (see content-parsers.ts).
 */
export const dynamicVariablesSchema = vendorVariablesSchema.meta({
  type: 'object',
  additionalProperties: { type: 'string' },
  description: 'dynamic variables sent to the agent: name → text',
  example: { customer_name: 'Michael', order_number: 'SO-48000' },
});
