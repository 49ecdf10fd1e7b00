import { z } from 'zod';
import { textProblem, variableErrors } from '../../field-rules.js';
import { dynamicVariablesSchema } from './variables.js';

/**
 * Request-level text (a batch option, an appended turn): a problem is a 400 naming the field.
 * Inside `conversations`, the same rules reject one conversation instead (json-conversations.ts).
 */
export const sendableText = z.string().superRefine((value, ctx) => {
  const problem = textProblem(value);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
});

/** Dynamic variables of one request-level item, with the limits of field-rules.ts. */
export const boundedVariablesSchema = dynamicVariablesSchema.superRefine((value, ctx) => {
  for (const message of variableErrors(value, 'dynamicVariables'))
    ctx.addIssue({ code: 'custom', message });
});
