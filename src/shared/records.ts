/**
 * Terminology (docs/reference/contract.md "Words"):
 * - batch: conversations submitted together (one CSV file, one API request, one scheduled run).
 * - conversation: an ordered script of customer turns sent to one agent.
 * - turn: one `POST /v1/chats` that succeeded once; turn k+1 sends turn k's chatId as
 *   `previousChatId`.
 * - attempt: one HTTP request for a turn; a turn may take several.
 */

export type TurnStatus =
  | 'completed'
  | 'failed'
  | 'skipped'
  | 'pending'
  | 'cancelled'
  | 'expired'
  /** Not sent: a contact rule stopped it (its error's code says which). */
  | 'suppressed';
export type ConversationState =
  'pending' | 'active' | 'completed' | 'ended' | 'failed' | 'cancelled' | 'expired' | 'suppressed';
export type ChatStatus = 'in-progress' | 'ended' | 'error';
export type BatchState = 'scheduled' | 'running' | 'paused' | 'completed' | 'cancelled';

export interface TurnError {
  code: string;
  /** null for network errors and timeouts. */
  httpStatus: number | null;
  message: string;
}

/** One line of `results --format jsonl`, in docs/reference/contract.md's field order. */
export interface TurnRecord {
  batchId: string;
  conversationId: string;
  turn: number;
  line: number | null;
  agentId: string;
  input: string;
  status: TurnStatus;
  chatId: string | null;
  previousChatId: string | null;
  chatStatus: ChatStatus | null;
  response: unknown[] | null;
  /**
   * An addition to the contract's record: the agent's reply as plain text (see
   * shared/reply-text.ts for the rule); null until the turn has a response.
   */
  reply: string | null;
  attempts: number;
  error: TurnError | null;
  completedAt: string | null;
}

/** `status --json`. */
export interface BatchStatus {
  batchId: string;
  state: BatchState;
  conversations: {
    total: number;
    pending: number;
    active: number;
    completed: number;
    ended: number;
    failed: number;
    cancelled: number;
    expired: number;
    /** Stopped by a contact rule (suppression list, opt-out, frequency cap). */
    suppressed: number;
  };
  turns: {
    total: number;
    pending: number;
    completed: number;
    failed: number;
    skipped: number;
    cancelled: number;
    expired: number;
    suppressed: number;
  };
  createdAt: string | null;
  scheduledAt: string | null;
  finishedAt: string | null;
  /** The batch's lane: `high`, `normal` or `low` (see the fair lanes). */
  priority: 'high' | 'normal' | 'low';
  /** Its share within the lane relative to weight-1 batches. */
  weight: number;
  /**
   * Additions to the contract's object (always present in chatbatch's own output):
   * why a `paused` batch is paused, in words (e.g. "the vendor refused the API key (401)",
   * "paused by an operator"); null when it is not paused.
   */
  pausedReason?: string | null;
  /**
   * When a batch that is waiting (for its scheduled start, or outside its send window) will
   * send next, ISO; null when it is not waiting.
   */
  nextSendAt?: string | null;
}

/** A rejected row, as an ingest report lists it and a batch keeps it: never the input text. */
export interface RejectedRow {
  /** 1-based line of the file where the record starts (header = line 1); for JSON, null. */
  line: number | null;
  /** For JSON submissions: the 0-based index of the conversation in the request. */
  index?: number;
  conversationId: string;
  errors: string[];
}

/** Longest conversation id (ours, not the vendor's: it names Redis keys and report lines). */
export const CONVERSATION_ID_MAX_LENGTH = 256;

/** Longest recipient id (it names a Redis key of the contact history). */
export const RECIPIENT_ID_MAX_LENGTH = 256;

/** Why `id` (already trimmed) cannot be a recipient id, or undefined when it can. */
export function recipientIdProblem(id: string): string | undefined {
  if (id === '') return 'must not be empty';
  if (id.length > RECIPIENT_ID_MAX_LENGTH)
    return `longer than ${RECIPIENT_ID_MAX_LENGTH} characters`;
  if (!id.isWellFormed()) return 'is not well-formed Unicode (a lone surrogate)';
  return undefined;
}

/** A batch id names Redis keys and appears in URLs: keep it to a safe alphabet. */
export const BATCH_ID_PATTERN = /^[A-Za-z0-9_.-]{1,128}$/;
export const BATCH_ID_RULE = '1-128 characters of letters, digits, "_", "." or "-"';
