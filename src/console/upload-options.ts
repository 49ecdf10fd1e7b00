import type { UploadOptions } from './api-client.js';
import type { Priority } from './api-types.js';
import { localInputToIso } from './format.js';

/** The upload form's option fields, as typed (the page reads them from its inputs). */
export interface UploadOptionInputs {
  batchId: string;
  agentId: string;
  /** `<input type="datetime-local">` values. */
  startAt: string;
  deadline: string;
  window: string;
  priority: string;
  weight: string;
  frequencyCap: string;
  webhookUrl: string;
  /** "Also send conversation.finished events". */
  conversationEvents: boolean;
}

const PRIORITIES: readonly string[] = ['high', 'normal', 'low'] satisfies Priority[];
/** The API's weight range (fair lanes). */
export const MAX_WEIGHT = 100;

/**
 * The upload's options from the form, or the first problem as `Field: what is wrong`. Only
 * what the browser can tell for certain is checked here (dates, the weight's range); the API
 * checks the rest (a send window, a frequency cap, a webhook URL) and says what and where.
 */
export function uploadOptionsFrom(inputs: UploadOptionInputs): UploadOptions | string {
  const scheduleAt = localInputToIso(inputs.startAt);
  const expireAt = localInputToIso(inputs.deadline);
  if (scheduleAt === undefined) return 'Start at: not a valid date and time.';
  if (expireAt === undefined) return 'Deadline: not a valid date and time.';
  if (!PRIORITIES.includes(inputs.priority)) return 'Priority: choose high, normal or low.';
  const weight = inputs.weight.trim();
  if (weight !== '' && !(/^\d{1,3}$/.test(weight) && +weight >= 1 && +weight <= MAX_WEIGHT))
    return `Weight: a whole number from 1 to ${MAX_WEIGHT}.`;
  return {
    batchId: inputs.batchId,
    agentId: inputs.agentId,
    scheduleAt,
    expireAt,
    window: inputs.window,
    priority: inputs.priority as Priority,
    weight,
    frequencyCap: inputs.frequencyCap,
    webhookUrl: inputs.webhookUrl,
    webhookEvents: inputs.conversationEvents ? 'conversation.finished' : '',
  };
}
