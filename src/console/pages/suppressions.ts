import type { Suppression, SuppressionPage } from '../api-types.js';
import { h, replaceChildren, setText } from '../dom.js';
import { formatCount, formatInstant } from '../format.js';
import type { Page, PageContext } from '../page.js';
import { parseRecipientIds } from '../recipient-ids.js';
import {
  alertBox,
  errorText,
  field,
  headerRow,
  pageHeading,
  pager,
  scrollingTable,
  showAlert,
} from '../ui.js';

/** Entries asked for per page (a hint: the API pages with Redis HSCAN). */
const PAGE_SIZE = 50;
/** HSCAN may answer an empty page with a cursor to go on: read on this many times at most. */
const MAX_EMPTY_READS = 5;

const SOURCES: Record<Suppression['source'], string> = {
  manual: 'added by hand',
  import: 'imported',
  'opt-out': 'opted out',
};

/**
 * The suppression list of the contact rules: a page at a time, a form to add ids, and a
 * Remove button per entry. Recipient ids are personal data: they stay in this page's memory
 * and in request bodies, never in the page's route (its hash) nor in an API path.
 */
export function suppressionsPage(ctx: PageContext): Page {
  const alert = alertBox();
  const message = h('p', { class: 'message', role: 'status', 'aria-live': 'polite' });
  const body = h('div', { 'aria-busy': 'true' }, h('p', {}, 'Loading…'));
  let state = { offset: '0', history: [] as string[] };

  /** One page from `cursor`, reading past empty scan steps. */
  async function readPage(cursor: string): Promise<SuppressionPage> {
    let page = await ctx.api.suppressions(cursor, PAGE_SIZE);
    for (let reads = 1; page.suppressions.length === 0 && page.nextCursor !== null; reads++) {
      if (reads >= MAX_EMPTY_READS) break;
      page = await ctx.api.suppressions(page.nextCursor, PAGE_SIZE);
    }
    return page;
  }

  function removeButton(entry: Suppression): HTMLElement {
    // Two steps: a removed recipient can be contacted again by the next batch.
    const button = h(
      'button',
      { type: 'button', 'aria-label': `Remove ${entry.recipientId}` },
      'Remove',
    );
    button.addEventListener('click', () => {
      if (button.dataset.armed !== 'yes') {
        button.dataset.armed = 'yes';
        button.textContent = 'Confirm remove';
        button.setAttribute('aria-label', `Confirm: remove ${entry.recipientId}`);
        return;
      }
      button.disabled = true;
      void (async () => {
        try {
          const { removed } = await ctx.api.removeSuppressions([entry.recipientId]);
          setText(
            message,
            removed > 0
              ? `Removed ${entry.recipientId} from the suppression list.`
              : `${entry.recipientId} was not on the list any more.`,
          );
          showAlert(alert, undefined);
        } catch (error) {
          showAlert(alert, errorText(error));
        }
        await load();
      })();
    });
    return button;
  }

  function row(entry: Suppression): HTMLTableRowElement {
    return h(
      'tr',
      {},
      h('th', { scope: 'row' }, h('code', {}, entry.recipientId)),
      h('td', {}, SOURCES[entry.source] ?? entry.source),
      h('td', { class: 'message-cell' }, entry.reason ?? '—'),
      h('td', {}, formatInstant(entry.at)),
      h('td', { class: 'row-actions' }, removeButton(entry)),
    );
  }

  async function load() {
    body.setAttribute('aria-busy', 'true');
    try {
      const page = await readPage(state.offset);
      showAlert(alert, undefined);
      const paged = state.history.length > 0 || page.nextCursor !== null;
      replaceChildren(
        body,
        page.total === 0
          ? h('p', {}, 'Nobody is on the suppression list.')
          : h(
              'p',
              {},
              `${formatCount(page.total)} recipient${page.total === 1 ? '' : 's'} on the list` +
                (paged ? `; ${formatCount(page.suppressions.length)} on this page.` : '.'),
            ),
        page.suppressions.length === 0
          ? null
          : scrollingTable(
              'Suppression list',
              h(
                'table',
                {},
                headerRow('Recipient ID', 'Source', 'Reason', 'Added', 'Actions'),
                h('tbody', {}, page.suppressions.map(row)),
              ),
            ),
        paged
          ? pager(
              'Suppression list pages',
              { ...state, nextOffset: page.nextCursor },
              (offset, history) => {
                state = { offset, history };
                void load();
              },
            )
          : null,
      );
    } catch (error) {
      showAlert(alert, errorText(error));
    } finally {
      body.setAttribute('aria-busy', 'false');
    }
  }

  const idsBox = h('textarea', {
    id: 'recipient-ids',
    rows: 6,
    autocomplete: 'off',
    spellcheck: 'false',
  });
  const reason = h('input', {
    id: 'suppression-reason',
    type: 'text',
    maxlength: 500,
    autocomplete: 'off',
  });
  const addButton = h('button', { type: 'submit' }, 'Add to suppression list');

  async function add(event: Event) {
    event.preventDefault();
    const { ids, problems } = parseRecipientIds(idsBox.value);
    if (problems.length > 0 || ids.length === 0) {
      showAlert(
        alert,
        ids.length === 0 && problems.length === 0
          ? 'Recipient IDs: enter at least one id, one per line.'
          : `Recipient IDs: ${problems.join('; ')}`,
      );
      idsBox.focus();
      return;
    }
    addButton.disabled = true;
    try {
      const { added, alreadyListed } = await ctx.api.addSuppressions(ids, reason.value.trim());
      setText(
        message,
        `Added ${formatCount(added)} to the suppression list` +
          (alreadyListed > 0 ? ` (${formatCount(alreadyListed)} already on it).` : '.'),
      );
      showAlert(alert, undefined);
      idsBox.value = '';
      reason.value = '';
      state = { offset: '0', history: [] };
      await load();
    } catch (error) {
      showAlert(alert, errorText(error));
    } finally {
      addButton.disabled = false;
    }
  }

  const form = h(
    'form',
    {
      class: 'card',
      novalidate: true,
      'aria-labelledby': 'add-suppressions-heading',
      onsubmit: (event) => void add(event),
    },
    h('h2', { id: 'add-suppressions-heading' }, 'Add recipients'),
    field(
      'Recipient IDs',
      idsBox,
      'One per line, written as in the recipient_id column (phone numbers in E.164, e.g. ' +
        '+15550100). For a long list use chatbatch suppress import.',
    ),
    field('Reason', reason, 'Optional: kept with each entry (e.g. "asked by phone").'),
    h('div', { class: 'actions' }, addButton),
  );

  const refresh = h('button', { type: 'button', onclick: () => void load() }, 'Refresh');
  const element = h(
    'section',
    { class: 'page' },
    pageHeading('Suppression list'),
    h(
      'p',
      {},
      'A recipient on this list gets nothing more, in any batch: conversations already running ' +
        'stop at their next turn. Entries stay until they are removed.',
    ),
    alert,
    message,
    form,
    h(
      'section',
      { 'aria-labelledby': 'suppression-entries-heading' },
      h(
        'div',
        { class: 'title-row' },
        h('h2', { id: 'suppression-entries-heading' }, 'On the list'),
        refresh,
      ),
      h('p', { class: 'hint' }, 'In no particular order (the list is read a page at a time).'),
      body,
    ),
  );
  void load();
  return { title: 'Suppression list', element };
}
