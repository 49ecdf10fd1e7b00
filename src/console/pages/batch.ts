import { ApiRequestError } from '../api-client.js';
import type { BatchStatus, ControlAction } from '../api-types.js';
import { saveBlob } from '../download.js';
import { h, setText } from '../dom.js';
import { controlMessage, isFinished, resultsFileName, webhookRetryMessage } from '../format.js';
import type { Page, PageContext } from '../page.js';
import { createPoller } from '../poller.js';
import { alertBox, errorText, pageHeading, showAlert } from '../ui.js';
import { createConversationTable } from './batch-conversations.js';
import { createBatchSummary } from './batch-summary.js';

/** While a batch is unfinished its page refreshes this often, in ms. */
const POLL_MS = 1000;

const CONTROLS: [ControlAction, string][] = [
  ['pause', 'Pause'],
  ['resume', 'Resume'],
  ['cancel', 'Cancel'],
  ['retry-failed', 'Retry failed'],
];

/**
 * One batch: live progress (polled every second until the batch is finished, then stopped),
 * counts, the four controls, result downloads and the conversations table.
 */
export function batchPage(ctx: PageContext, batchId: string): Page {
  const alert = alertBox();
  const summary = createBatchSummary();
  const conversations = createConversationTable(ctx, batchId);
  const message = h('p', { class: 'message', role: 'status', 'aria-live': 'polite' });
  const content = h('div', { hidden: true });
  const loading = h('p', {}, 'Loading…');

  function show(status: BatchStatus) {
    summary.update(status);
    loading.remove();
    content.hidden = false;
  }

  const poller = createPoller({
    intervalMs: POLL_MS,
    timers: ctx.timers,
    async tick() {
      const [status] = await Promise.all([ctx.api.batch(batchId), conversations.refresh()]);
      show(status);
      showAlert(alert, undefined);
      return !isFinished(status);
    },
    onError(error) {
      showAlert(alert, errorText(error));
      if (error instanceof ApiRequestError && (error.status === 404 || error.status === 401))
        poller.stop();
    },
  });

  const buttons = CONTROLS.map(([action, label]) =>
    h('button', { type: 'button', onclick: () => void control(action, label) }, label),
  );
  async function control(action: ControlAction, label: string) {
    for (const button of buttons) button.disabled = true;
    setText(message, `${label}…`);
    try {
      const result = await ctx.api.control(batchId, action);
      show(result.status);
      setText(message, controlMessage(result));
      showAlert(alert, undefined);
    } catch (error) {
      setText(message, '');
      showAlert(alert, errorText(error));
    } finally {
      for (const button of buttons) button.disabled = false;
    }
    // Resume or retry may set a finished batch going again: follow it.
    await poller.now();
  }

  const resendWebhooks = h(
    'button',
    { type: 'button', onclick: () => void retryWebhooks() },
    'Resend failed webhooks',
  );
  async function retryWebhooks() {
    resendWebhooks.disabled = true;
    try {
      setText(message, webhookRetryMessage((await ctx.api.retryWebhooks(batchId)).resent));
      showAlert(alert, undefined);
    } catch (error) {
      setText(message, '');
      showAlert(alert, errorText(error));
    } finally {
      resendWebhooks.disabled = false;
    }
  }

  const download = (format: 'csv' | 'jsonl', label: string) =>
    h(
      'a',
      {
        href: `/v1/batches/${encodeURIComponent(batchId)}/results?format=${format}`,
        class: 'download',
        onclick: (event: Event) => {
          event.preventDefault();
          void (async () => {
            setText(message, `Preparing the ${format.toUpperCase()} file…`);
            try {
              saveBlob(await ctx.api.results(batchId, format), resultsFileName(batchId, format));
              setText(message, `Downloaded the results (${format.toUpperCase()}).`);
            } catch (error) {
              setText(message, '');
              showAlert(alert, errorText(error));
            }
          })();
        },
      },
      label,
    );

  content.append(
    summary.element,
    h('div', { class: 'actions', role: 'group', 'aria-label': 'Batch control' }, buttons),
    message,
    h(
      'p',
      { class: 'downloads' },
      download('csv', 'Download results (CSV)'),
      download('jsonl', 'Download results (JSONL)'),
    ),
    h('div', { class: 'actions', role: 'group', 'aria-label': 'Webhooks' }, resendWebhooks),
    conversations.element,
  );
  const element = h(
    'section',
    { class: 'page' },
    pageHeading(`Batch ${batchId}`),
    alert,
    loading,
    content,
  );
  void poller.now();
  return { title: `Batch ${batchId}`, element, dispose: () => poller.stop() };
}
