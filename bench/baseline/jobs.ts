import type { JobsOptions } from 'bullmq';

/** The body of POST /v1/chats, as the baseline sends it. */
export interface BaselineRequest {
  agentId: string;
  input: string;
  dynamicVariables?: Record<string, string>;
  previousChatId?: string;
}

/**
 * A baseline job carries everything it needs (no store): this turn's request and the requests of
 * the conversation's later turns, which the worker chains with the returned chatId.
 */
export interface BaselineJob {
  request: BaselineRequest;
  rest: BaselineRequest[];
}

/**
 * What a user would set on a raw BullMQ job: a few attempts with exponential backoff, and
 * finished jobs removed ("no persistence"), unless the results are kept in BullMQ itself.
 */
export function baselineJobOptions(keepResults: boolean): JobsOptions {
  return {
    attempts: 5,
    backoff: { type: 'exponential', delay: 1000 },
    removeOnComplete: !keepResults,
    removeOnFail: !keepResults,
  };
}
