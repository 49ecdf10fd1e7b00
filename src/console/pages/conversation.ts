import type { ConversationView, TurnRecord } from '../api-types.js';
import { h, replaceChildren } from '../dom.js';
import { formatInstant, suppressedNotice, turnErrorText } from '../format.js';
import type { Page, PageContext } from '../page.js';
import { createPoller } from '../poller.js';
import { replyText } from '../reply-text.js';
import { hrefs } from '../routes.js';
import { alertBox, details, errorText, pageHeading, showAlert } from '../ui.js';

/** An unfinished conversation's page refreshes this often, in ms. */
const POLL_MS = 2000;
const UNFINISHED = new Set(['pending', 'active']);

function code(text: string | null): HTMLElement | string {
  return text ? h('code', {}, text) : '—';
}

function turnSection(turn: TurnRecord): HTMLElement {
  const reply = replyText(turn.response);
  const notice = suppressedNotice(turn);
  const headingId = `turn-${turn.turn}`;
  return h(
    'section',
    { class: 'turn card', 'aria-labelledby': headingId },
    h(
      'h2',
      { id: headingId },
      `Turn ${turn.turn}`,
      ' ',
      h('span', { class: `state state-${turn.status}` }, turn.status),
    ),
    notice ? h('p', { class: 'notice' }, notice) : null,
    h('h3', {}, 'Input'),
    h('p', { class: 'message-text' }, turn.input),
    h('h3', {}, "Agent's reply"),
    reply
      ? h('p', { class: 'message-text reply' }, reply)
      : h('p', { class: 'hint' }, turn.status === 'pending' ? 'No reply yet.' : 'No reply.'),
    details([
      ['chatId', code(turn.chatId)],
      ['previousChatId', code(turn.previousChatId)],
      ['Status', turn.status],
      ['Chat status', turn.chatStatus ?? '—'],
      ['Attempts', String(turn.attempts)],
      ['Error', turnErrorText(turn.error)],
      ['Completed', formatInstant(turn.completedAt)],
      ['CSV line', turn.line === null ? '—' : String(turn.line)],
    ]),
  );
}

/** One conversation: every turn with its input, the agent's reply as text, chat ids and errors. */
export function conversationPage(ctx: PageContext, batchId: string, conversationId: string): Page {
  const alert = alertBox();
  const summary = h('div', {}, h('p', {}, 'Loading…'));
  const turns = h('div', { class: 'turns' });
  let lastKey = '';

  function render(view: ConversationView) {
    const key = JSON.stringify(view);
    if (key === lastKey) return;
    lastKey = key;
    replaceChildren(
      summary,
      details([
        ['Batch', h('a', { href: hrefs.batch(batchId) }, batchId)],
        ['Status', view.status],
        ['Agent', code(view.agentId)],
        ['Turns', String(view.turns.length)],
      ]),
    );
    replaceChildren(turns, view.turns.map(turnSection));
  }

  const poller = createPoller({
    intervalMs: POLL_MS,
    timers: ctx.timers,
    async tick() {
      const view = await ctx.api.conversation(batchId, conversationId);
      render(view);
      showAlert(alert, undefined);
      return UNFINISHED.has(view.status);
    },
    onError(error) {
      showAlert(alert, errorText(error));
      poller.stop();
    },
  });
  void poller.now();

  const element = h(
    'section',
    { class: 'page' },
    pageHeading(`Conversation ${conversationId}`),
    alert,
    summary,
    turns,
  );
  return { title: `Conversation ${conversationId}`, element, dispose: () => poller.stop() };
}
