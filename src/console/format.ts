import type { BatchStatus, ControlResult, RejectedRow, TurnError } from './api-types.js';

/** Conversations that are no longer pending or active: the progress bar's value. */
export function finishedConversations(status: BatchStatus): number {
  const { total, pending, active } = status.conversations;
  return Math.max(0, total - pending - active);
}

/** Nothing will change without a user's action: the page stops polling. */
export function isFinished(status: BatchStatus): boolean {
  if (status.state === 'completed') return true;
  return (
    status.state === 'cancelled' && finishedConversations(status) === status.conversations.total
  );
}

/** Whole percent, 0 for an empty batch; 99 rather than 100 until the last one is done. */
export function percent(done: number, total: number): number {
  if (total <= 0) return 0;
  const value = Math.floor((done / total) * 100);
  return done < total ? Math.min(value, 99) : 100;
}

/** `1,234` in the page's language. */
export function formatCount(value: number, locale?: string): string {
  return new Intl.NumberFormat(locale).format(value);
}

/**
 * An ISO time for people: date and time in their zone, with the zone's name, e.g.
 * `2026-05-04 09:30:00 UTC`. An empty or unparseable value is `—`.
 */
export function formatInstant(
  iso: string | null | undefined,
  options: { timeZone?: string; locale?: string } = {},
): string {
  if (!iso) return '—';
  const time = new Date(iso);
  if (Number.isNaN(time.getTime())) return '—';
  const parts = new Intl.DateTimeFormat(options.locale ?? 'en-CA', {
    timeZone: options.timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  }).formatToParts(time);
  const part = (type: Intl.DateTimeFormatPartTypes) =>
    parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}:${part('second')} ${part('timeZoneName')}`.trim();
}

/** A rejected row of an ingest report, as the preview lists it: `line 5: input is empty`. */
export function rejectedRowText(row: RejectedRow): string {
  const where =
    row.line !== null
      ? `line ${row.line}`
      : row.index !== undefined
        ? `conversation ${row.index + 1} (${row.conversationId})`
        : `conversation ${row.conversationId}`;
  return `${where}: ${row.errors.join('; ')}`;
}

const ACTION_DONE: Record<ControlResult['action'], string> = {
  pause: 'Paused',
  resume: 'Resumed',
  cancel: 'Cancelled',
  'retry-failed': 'Retrying',
};

/** What a control button did, for the page's status line. */
export function controlMessage(result: ControlResult): string {
  const state = result.status.state;
  if (!result.changed) {
    const nothing: Record<ControlResult['action'], string> = {
      pause: `Nothing to pause: the batch is ${state}.`,
      resume: `Nothing to resume: the batch is ${state}.`,
      cancel: `Nothing to cancel: the batch is ${state}.`,
      'retry-failed': 'Nothing to retry: no conversation has failed.',
    };
    return nothing[result.action];
  }
  const count = result.conversations;
  // Pause and resume act on the batch; cancel and retry name the conversations they touched.
  const counted = result.action === 'cancel' || result.action === 'retry-failed';
  const which = counted ? ` ${count} conversation${count === 1 ? '' : 's'}` : '';
  return `${ACTION_DONE[result.action]}${which}. The batch is ${state}.`;
}

/** What "Resend failed webhooks" did. */
export function webhookRetryMessage(resent: number): string {
  if (resent === 0) return 'No failed webhook events to resend.';
  return `Resent ${resent} failed webhook event${resent === 1 ? '' : 's'}.`;
}

/**
 * A `<input type="datetime-local">` value (local wall time, no zone) as ISO-8601 in UTC, which
 * the API takes; '' stays '' and an impossible value gives undefined.
 */
export function localInputToIso(value: string): string | undefined {
  if (value.trim() === '') return '';
  const time = new Date(value);
  return Number.isNaN(time.getTime()) ? undefined : time.toISOString();
}

/** The saved results file's name: `<batch>-results.csv` (batch ids are a safe alphabet already). */
export function resultsFileName(batchId: string, format: 'csv' | 'jsonl'): string {
  return `${batchId.replace(/[^A-Za-z0-9_.-]/g, '_')}-results.${format}`;
}

/** A batch's lane for people: `high`, or `low, weight 3` when the weight is not 1. */
export function laneText(status: Pick<BatchStatus, 'priority' | 'weight'>): string {
  const priority = status.priority ?? '—';
  return status.weight !== undefined && status.weight !== 1
    ? `${priority}, weight ${status.weight}`
    : priority;
}

/** The contact rules' error codes (docs/guides/contact-rules.md), named for people. */
const CONTACT_RULES: Record<string, { name: string; notice: string }> = {
  suppression_list: {
    name: 'Suppression list',
    notice: 'Not sent: the recipient is on the suppression list.',
  },
  frequency_cap: {
    name: 'Frequency cap',
    notice: 'Not sent: the frequency cap for this recipient was reached.',
  },
  opted_out: { name: 'Opted out', notice: 'Not sent: the recipient opted out.' },
};

/**
 * A turn's error as one line: `Frequency cap (frequency_cap): the recipient was contacted…` for
 * a contact rule, `http_422 (HTTP 422): …` for the vendor's answers, `—` for none.
 */
export function turnErrorText(error: TurnError | null): string {
  if (!error) return '—';
  const rule = CONTACT_RULES[error.code];
  const head = rule
    ? `${rule.name} (${error.code})`
    : `${error.code}${error.httpStatus !== null ? ` (HTTP ${error.httpStatus})` : ''}`;
  return `${head}: ${error.message}`;
}

/** Why a suppressed turn was not sent, as a sentence; undefined for any other status. */
export function suppressedNotice(turn: {
  status: string;
  error: TurnError | null;
}): string | undefined {
  if (turn.status !== 'suppressed') return undefined;
  const rule = turn.error ? CONTACT_RULES[turn.error.code] : undefined;
  return rule?.notice ?? 'Not sent: a contact rule stopped this conversation.';
}
