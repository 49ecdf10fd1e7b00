/** Messages between the bench and its simulator process (sim-server.ts). */

export interface SimOptions {
  /** Delay before every answer, in ms. Default 0. */
  latencyMs?: number;
  /** Extra delay drawn uniformly from [0, this) per answer, in ms. Default 0. */
  jitterMs?: number;
  /** Required X-API-Key. */
  apiKey?: string;
  /** Record precise arrival and answer times per chat (chain scenario). Default false. */
  trackTimes?: boolean;
  /** Force every reply's message to this many characters. Default: the simulator's own. */
  replyChars?: number;
  /** Accepted requests per sliding second before 429s (`mock-api --capacity`). Default: none. */
  capacity?: number;
}

export type SimMessage = { type: 'reset' } | { type: 'log' } | { type: 'stop' };

/** The simulator's request log as columns, plus precise times keyed by chat id (epoch ms). */
export interface SimLog {
  receivedAt: number[];
  status: (number | string)[];
  chatId: (string | null)[];
  previousChatId: (string | null)[];
  /** The request's input (workloads with a label tell batches apart by it). */
  input?: (string | null)[];
  sentAt: Map<string, number>;
  arrivedAt: Map<string, number>;
}

export type SimReply =
  { type: 'ready'; url: string } | { type: 'reset-done' } | { type: 'log'; log: SimLog };
