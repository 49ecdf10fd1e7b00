import { z } from 'zod';
import { MAX_WEIGHT, PRIORITIES } from '../../../store/lane-store.js';

const priority = z
  .enum(PRIORITIES as [string, ...string[]])
  .transform((value) => value as (typeof PRIORITIES)[number])
  .describe("the batch's lane: high goes before normal, normal before low (default normal)");
const weightDescription = `its share within the lane, 1–${MAX_WEIGHT} (default 1)`;

/** Lane options of a JSON submission. */
export const laneJsonFields = {
  priority: priority.nullish(),
  weight: z.number().int().min(1).max(MAX_WEIGHT).nullish().describe(weightDescription),
};

/** Lane options as query parameters or form fields (CSV bodies). */
export const laneQueryFields = {
  priority: priority.optional(),
  weight: z.coerce.number().int().min(1).max(MAX_WEIGHT).optional().describe(weightDescription),
};
