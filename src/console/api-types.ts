/**
 * The shapes the console reads from the /v1 API (docs/guides/http-api.md, the OpenAPI document at
 * /docs/json). Written out here because the console is compiled on its own, for the browser.
 */

export type BatchState = 'scheduled' | 'running' | 'paused' | 'completed' | 'cancelled';

export type Priority = 'high' | 'normal' | 'low';

/**
 * Counts by state. The known states are named; a state a newer server adds comes through the
 * index signature, so the pages can show it without a new console.
 */
export interface ConversationCounts {
  [state: string]: number | undefined;
  total: number;
  pending: number;
  active: number;
  completed: number;
  ended: number;
  failed: number;
  cancelled: number;
  expired: number;
  /** Stopped by a contact rule (suppression list, opt-out, frequency cap). */
  suppressed?: number;
}

export interface TurnCounts {
  [state: string]: number | undefined;
  total: number;
  pending: number;
  completed: number;
  failed: number;
  skipped: number;
  cancelled: number;
  expired: number;
  /** Not sent: a contact rule stopped their conversation. */
  suppressed?: number;
}

export interface BatchStatus {
  batchId: string;
  state: BatchState;
  conversations: ConversationCounts;
  turns: TurnCounts;
  createdAt: string | null;
  scheduledAt: string | null;
  finishedAt: string | null;
  /** The batch's lane (fair lanes). */
  priority: Priority;
  /** Its share within the lane; 1 unless set. */
  weight: number;
  /** Newer servers only: why the batch is paused (a manual pause, the vendor's 401…). */
  pausedReason?: string | null;
  /** Newer servers only: when the batch will send next (its start, its send window). */
  nextSendAt?: string | null;
}

export interface BatchList {
  batches: BatchStatus[];
  total: number;
  offset: number;
  limit: number;
  nextOffset: number | null;
}

export interface TurnError {
  code: string;
  httpStatus: number | null;
  message: string;
}

export interface TurnRecord {
  batchId: string;
  conversationId: string;
  turn: number;
  line: number | null;
  agentId: string;
  input: string;
  status: string;
  chatId: string | null;
  previousChatId: string | null;
  chatStatus: string | null;
  response: unknown[] | null;
  attempts: number;
  error: TurnError | null;
  completedAt: string | null;
}

export interface ConversationView {
  batchId: string;
  conversationId: string;
  agentId: string;
  status: string;
  turns: TurnRecord[];
}

export interface ConversationSummary {
  conversationId: string;
  status: string;
  turns: number;
}

export interface ConversationList {
  conversations: ConversationSummary[];
  total: number;
  offset: number;
  limit: number;
  nextOffset: number | null;
}

export interface RejectedRow {
  line: number | null;
  index?: number;
  conversationId: string;
  errors: string[];
}

export interface IngestReport {
  batchId: string;
  conversations: number;
  turns: number;
  accepted: number;
  rejected: number;
  duplicates: number;
  rejectedRows: RejectedRow[];
  discarded: boolean;
}

export type ControlAction = 'pause' | 'resume' | 'cancel' | 'retry-failed';

export interface ControlResult {
  action: ControlAction;
  changed: boolean;
  conversations: number;
  status: BatchStatus;
}

export interface Schedule {
  name: string;
  cron: string;
  tz: string;
  agentId?: string;
  paused: boolean;
  createdAt: string;
  csvBytes: number;
  next: string | null;
}

/** An entry of the suppression list (`GET /v1/suppressions`). */
export interface Suppression {
  recipientId: string;
  reason: string | null;
  source: 'manual' | 'import' | 'opt-out';
  /** When it was added (ISO-8601). */
  at: string;
}

export interface SuppressionPage {
  suppressions: Suppression[];
  /** Entries on the whole list. */
  total: number;
  /** Pass as `cursor` for the next page; null after the last one. */
  nextCursor: string | null;
}
