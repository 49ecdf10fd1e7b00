import type { IngestReport } from '../api-types.js';
import { h } from '../dom.js';
import { formatCount, rejectedRowText } from '../format.js';
import { hrefs } from '../routes.js';
import { details } from '../ui.js';

/** The rejected rows of a report, each as `line N: reasons`. */
function rejectedList(report: IngestReport): HTMLElement | null {
  if (report.rejectedRows.length === 0) return null;
  return h(
    'div',
    {},
    h('h3', {}, 'Rejected rows'),
    h(
      'ul',
      { class: 'rejected' },
      report.rejectedRows.map((row) => h('li', {}, rejectedRowText(row))),
    ),
  );
}

/** The dry run's report: what an upload would enqueue, and every row it would reject. */
export function previewReport(report: IngestReport): HTMLElement {
  return h(
    'div',
    {},
    details([
      ['Conversations in the file', formatCount(report.conversations)],
      ['Would be enqueued', `${formatCount(report.accepted)} (${formatCount(report.turns)} turns)`],
      ['Rejected', formatCount(report.rejected)],
      ['Already in the batch', formatCount(report.duplicates)],
    ]),
    rejectedList(report),
  );
}

/** The real upload's report, with a link to the batch. */
export function uploadedReport(report: IngestReport): HTMLElement {
  return h(
    'div',
    {},
    h(
      'p',
      {},
      `Accepted ${formatCount(report.accepted)} conversations (${formatCount(report.turns)} turns), rejected ${formatCount(report.rejected)}` +
        (report.duplicates > 0 ? `, ${formatCount(report.duplicates)} already in the batch` : '') +
        '. Batch ',
      h('a', { href: hrefs.batch(report.batchId) }, report.batchId),
      '.',
    ),
    rejectedList(report),
  );
}
