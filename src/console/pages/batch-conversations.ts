import type { ConversationList } from '../api-types.js';
import { h, replaceChildren } from '../dom.js';
import { formatCount } from '../format.js';
import type { PageContext } from '../page.js';
import { hrefs } from '../routes.js';
import { alertBox, errorText, headerRow, pager, scrollingTable, showAlert } from '../ui.js';

const PAGE_SIZE = 50;

/** The batch's conversations, paginated, each id a link to its page. */
export function createConversationTable(ctx: PageContext, batchId: string) {
  const alert = alertBox();
  const heading = h('h2', { id: 'conversations-heading', tabindex: -1 }, 'Conversations');
  const body = h('div', {}, h('p', {}, 'Loading…'));
  let state = { offset: 0, history: [] as number[] };
  let lastKey = '';

  function render(list: ConversationList) {
    const key = JSON.stringify([state, list]);
    if (key === lastKey) return; // unchanged: keep focus and scroll where they are
    lastKey = key;
    if (list.total === 0) {
      replaceChildren(body, h('p', {}, 'This batch has no conversations.'));
      return;
    }
    const rows = list.conversations.map((c) =>
      h(
        'tr',
        {},
        h(
          'th',
          { scope: 'row' },
          h('a', { href: hrefs.conversation(batchId, c.conversationId) }, c.conversationId),
        ),
        h('td', {}, h('span', { class: `state state-${c.status}` }, c.status)),
        h('td', { class: 'num' }, formatCount(c.turns)),
      ),
    );
    replaceChildren(
      body,
      h('p', {}, `${formatCount(list.total)} conversations, in input order.`),
      scrollingTable(
        'Conversations',
        h('table', {}, headerRow('Conversation', 'Status', 'Turns'), h('tbody', {}, rows)),
      ),
      state.history.length > 0 || list.nextOffset !== null
        ? pager(
            'Conversation pages',
            { ...state, nextOffset: list.nextOffset },
            (offset, history) => {
              state = { offset, history };
              void refresh().then(() => heading.focus());
            },
          )
        : null,
    );
  }

  async function refresh(): Promise<void> {
    try {
      render(await ctx.api.conversations(batchId, state.offset, PAGE_SIZE));
      showAlert(alert, undefined);
    } catch (error) {
      showAlert(alert, errorText(error));
    }
  }

  return {
    element: h('section', { 'aria-labelledby': 'conversations-heading' }, heading, alert, body),
    refresh,
  };
}
