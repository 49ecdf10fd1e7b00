import type { BatchList, BatchStatus } from '../api-types.js';
import { h, replaceChildren } from '../dom.js';
import { finishedConversations, formatCount, formatInstant, laneText } from '../format.js';
import type { Page, PageContext } from '../page.js';
import { hrefs } from '../routes.js';
import {
  alertBox,
  errorText,
  headerRow,
  pageHeading,
  pager,
  scrollingTable,
  showAlert,
} from '../ui.js';

const PAGE_SIZE = 25;

function batchRow(batch: BatchStatus): HTMLTableRowElement {
  const c = batch.conversations;
  return h(
    'tr',
    {},
    h('th', { scope: 'row' }, h('a', { href: hrefs.batch(batch.batchId) }, batch.batchId)),
    h('td', {}, h('span', { class: `state state-${batch.state}` }, batch.state)),
    h(
      'td',
      { class: 'num' },
      `${formatCount(finishedConversations(batch))} / ${formatCount(c.total)}`,
    ),
    h('td', { class: 'num' }, formatCount(c.completed + c.ended)),
    h('td', { class: 'num' }, formatCount(c.failed)),
    h('td', {}, formatInstant(batch.createdAt)),
    h('td', {}, formatInstant(batch.finishedAt)),
    h('td', {}, laneText(batch)),
  );
}

function batchTable(list: BatchList): HTMLElement {
  const columns = [
    'Batch',
    'State',
    'Finished',
    'Succeeded',
    'Failed',
    'Created',
    'Finished at',
    'Priority',
  ];
  return scrollingTable(
    'Batches, newest first',
    h(
      'table',
      { class: 'batches' },
      headerRow(...columns),
      h('tbody', {}, list.batches.map(batchRow)),
    ),
  );
}

/** The batches, newest first, paginated; each id links to its page. */
export function batchesPage(ctx: PageContext): Page {
  const alert = alertBox();
  const body = h('div', { 'aria-busy': 'true' }, h('p', {}, 'Loading…'));
  let state = { offset: 0, history: [] as number[] };

  async function load() {
    body.setAttribute('aria-busy', 'true');
    try {
      const list = await ctx.api.listBatches(state.offset, PAGE_SIZE);
      showAlert(alert, undefined);
      if (list.total === 0) {
        replaceChildren(
          body,
          h('p', {}, 'No batches yet. ', h('a', { href: hrefs.upload() }, 'Upload a CSV'), '.'),
        );
      } else {
        const first = list.batches.length > 0 ? state.offset + 1 : 0;
        replaceChildren(
          body,
          h(
            'p',
            {},
            `Batches ${formatCount(first)}–${formatCount(state.offset + list.batches.length)} of ${formatCount(list.total)}.`,
          ),
          batchTable(list),
          state.history.length > 0 || list.nextOffset !== null
            ? pager('Batch pages', { ...state, nextOffset: list.nextOffset }, (offset, history) => {
                state = { offset, history };
                void load();
              })
            : null,
        );
      }
    } catch (error) {
      showAlert(alert, errorText(error));
    } finally {
      body.setAttribute('aria-busy', 'false');
    }
  }

  const refresh = h('button', { type: 'button', onclick: () => void load() }, 'Refresh');
  const element = h(
    'section',
    { class: 'page' },
    h('div', { class: 'title-row' }, pageHeading('Batches'), refresh),
    alert,
    body,
  );
  void load();
  return { title: 'Batches', element };
}
