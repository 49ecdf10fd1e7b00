import type { BatchStatus } from '../api-types.js';
import { h, replaceChildren, setText } from '../dom.js';
import { CONVERSATION_STATES, countColumns, TURN_STATES } from '../counts.js';
import { finishedConversations, formatCount, formatInstant, laneText, percent } from '../format.js';
import { details, headerRow, scrollingTable } from '../ui.js';

/**
 * The progress bar: `role="progressbar"` with `aria-valuenow`/`aria-valuemax` = finished/total
 * conversations. The fill's width is set through the CSSOM (allowed by the CSP, unlike a
 * `style` attribute).
 */
export function createProgressBar() {
  const fill = h('div', { class: 'progress-fill' });
  const bar = h(
    'div',
    {
      role: 'progressbar',
      class: 'progress',
      'aria-label': 'Conversations finished',
      'aria-valuemin': 0,
      'aria-valuemax': 0,
      'aria-valuenow': 0,
    },
    fill,
  );
  const caption = h('p', { class: 'progress-caption' });
  return {
    element: h('div', { class: 'progress-block' }, bar, caption),
    update(done: number, total: number) {
      const share = percent(done, total);
      const text = `${formatCount(done)} of ${formatCount(total)} conversations finished (${share}%)`;
      bar.setAttribute('aria-valuemax', String(total));
      bar.setAttribute('aria-valuenow', String(done));
      bar.setAttribute('aria-valuetext', text);
      fill.style.width = `${total > 0 ? (done / total) * 100 : 0}%`;
      setText(caption, text);
    },
  };
}

/** One row of counts: the states the server sent (new ones too), then the total. */
function countsTable(caption: string, counts: Record<string, unknown>, known: readonly string[]) {
  const columns = countColumns(counts, known);
  return scrollingTable(
    caption,
    h(
      'table',
      { class: 'counts' },
      headerRow(...columns.map((column) => column.label)),
      h(
        'tbody',
        {},
        h(
          'tr',
          {},
          columns.map((column) =>
            h('td', { class: `num count-${column.state}` }, formatCount(column.value)),
          ),
        ),
      ),
    ),
    true,
  );
}

/**
 * A batch's state line, progress, times and counts, updated in place on each poll. The state
 * line is a polite live region: it is spoken when the state changes, not on every poll.
 */
export function createBatchSummary() {
  const state = h('p', { class: 'state-line', role: 'status', 'aria-live': 'polite' });
  const progress = createProgressBar();
  const times = h('div');
  const counts = h('div', { class: 'counts-block' });
  return {
    element: h('div', {}, state, progress.element, times, counts),
    update(status: BatchStatus) {
      setText(state, `State: ${status.state}`);
      state.className = `state-line state-${status.state}`;
      progress.update(finishedConversations(status), status.conversations.total);
      const rows: [string, string][] = [
        ['Created', formatInstant(status.createdAt)],
        ['Scheduled start', formatInstant(status.scheduledAt)],
        ['Finished', formatInstant(status.finishedAt)],
        ['Priority', laneText(status)],
      ];
      // Fields of newer servers, shown when the API sends them.
      if (status.pausedReason !== undefined && (status.pausedReason || status.state === 'paused'))
        rows.push(['Paused because', status.pausedReason ?? '—']);
      if (status.nextSendAt !== undefined)
        rows.push(['Next send', formatInstant(status.nextSendAt)]);
      const key = JSON.stringify([rows, status.conversations, status.turns]);
      if (counts.dataset.key === key) return;
      counts.dataset.key = key;
      replaceChildren(times, details(rows));
      replaceChildren(
        counts,
        countsTable('Conversations by state', status.conversations, CONVERSATION_STATES),
        countsTable('Turns by state', status.turns, TURN_STATES),
      );
    },
  };
}
