import type { BatchStatus } from '../shared/records.js';

/** Terminal width the human output is laid out for. */
export const TERMINAL_COLUMNS = 80;

/** `1 conversation`, `2 conversations`: every count a person reads goes through here. */
export function plural(count: number, noun: string, pluralNoun = `${noun}s`): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? noun : pluralNoun}`;
}

/**
 * `head` then the items separated by ", ", wrapped before `width` columns, continuation lines
 * indented by `indent`.
 */
export function wrapList(
  head: string,
  items: readonly string[],
  indent: string,
  width = TERMINAL_COLUMNS,
): string[] {
  const lines: string[] = [];
  let line = head;
  items.forEach((item, i) => {
    const piece = i < items.length - 1 ? `${item},` : item;
    const first = line === head;
    const candidate = first ? `${line}${piece}` : `${line} ${piece}`;
    if (!first && candidate.length > width) {
      lines.push(line);
      line = `${indent}${piece}`;
    } else {
      line = candidate;
    }
  });
  lines.push(line);
  return lines;
}

/** The human form of `status`, within 80 columns (for ids of ordinary length). */
export function formatStatus(s: BatchStatus): string {
  const c = s.conversations;
  const t = s.turns;
  const lane =
    s.priority !== 'normal' || s.weight !== 1
      ? `, priority ${s.priority}${s.weight !== 1 ? ` (weight ${s.weight})` : ''}`
      : '';
  const lines = [`batch ${s.batchId}: ${s.state}${lane}`];
  lines.push(
    ...wrapList(
      `  ${plural(c.total, 'conversation')}: `,
      [
        `${c.pending} pending`,
        `${c.active} active`,
        `${c.completed} completed`,
        `${c.ended} ended`,
        `${c.failed} failed`,
        `${c.cancelled} cancelled`,
        `${c.expired} expired`,
        ...(c.suppressed ? [`${c.suppressed} suppressed`] : []),
      ],
      '    ',
    ),
    ...wrapList(
      `  ${plural(t.total, 'turn')}: `,
      [
        `${t.pending} pending`,
        `${t.completed} completed`,
        `${t.failed} failed`,
        `${t.skipped} skipped`,
        `${t.cancelled} cancelled`,
        `${t.expired} expired`,
        ...(t.suppressed ? [`${t.suppressed} suppressed`] : []),
      ],
      '    ',
    ),
  );
  if (s.pausedReason) lines.push(`  paused: ${s.pausedReason}`);
  if (s.nextSendAt) {
    const why =
      s.state === 'scheduled' && s.nextSendAt === s.scheduledAt
        ? 'scheduled start'
        : 'when the send window opens';
    lines.push(`  next send: ${s.nextSendAt} (${why})`);
  } else if (s.scheduledAt && s.state === 'scheduled') {
    lines.push(`  scheduled for ${s.scheduledAt}`);
  }
  lines.push(`  created ${s.createdAt ?? '-'}`);
  if (s.finishedAt) lines.push(`  finished ${s.finishedAt}`);
  return lines.join('\n');
}
