import type { UploadOptions } from '../api-client.js';
import { h } from '../dom.js';
import { MAX_WEIGHT, uploadOptionsFrom } from '../upload-options.js';
import { field } from '../ui.js';

/**
 * The upload form's batch options: ids, timing, lane and contact rules, webhook. All optional;
 * `read()` gives the multipart fields, or the first problem as `Field: what is wrong`.
 */
export function createUploadFields() {
  const text = (id: string, extra: Record<string, string> = {}) =>
    h('input', { id, type: 'text', autocomplete: 'off', spellcheck: 'false', ...extra });
  const batchId = text('batch-id', { pattern: '[A-Za-z0-9_.\\-]{1,128}', maxlength: '128' });
  const agentId = text('agent-id', { maxlength: '64' });
  const startAt = h('input', { id: 'start-at', type: 'datetime-local' });
  const deadline = h('input', { id: 'deadline', type: 'datetime-local' });
  const sendWindow = text('send-window', { placeholder: 'mon-fri 09:00-18:00 Europe/Berlin' });
  const priority = h(
    'select',
    { id: 'priority' },
    h('option', { value: 'normal', selected: true }, 'normal'),
    h('option', { value: 'high' }, 'high'),
    h('option', { value: 'low' }, 'low'),
  );
  const weight = h('input', {
    id: 'weight',
    type: 'number',
    min: 1,
    max: MAX_WEIGHT,
    step: 1,
    inputmode: 'numeric',
    placeholder: '1',
  });
  const frequencyCap = text('frequency-cap', { placeholder: '1/7d', maxlength: '32' });
  const webhookUrl = h('input', {
    id: 'webhook-url',
    type: 'url',
    autocomplete: 'off',
    spellcheck: 'false',
    placeholder: 'https://crm.example.com/hooks/chatbatch',
  });
  const conversationEvents = h('input', { id: 'webhook-conversations', type: 'checkbox' });
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;

  const elements = [
    field('Batch ID', batchId, 'Optional: letters, digits, "_", "." or "-". Empty: a new id.'),
    field('Agent ID', agentId, 'For rows whose agent_id cell is empty.'),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Timing (optional)'),
      field('Start at', startAt, `Send nothing before this time (your time zone, ${zone}).`),
      field('Deadline', deadline, 'Turns not sent by this time expire.'),
      field(
        'Send window',
        sendWindow,
        "Days and hours of each recipient's local time, e.g. mon-fri 09:00-18:00 Europe/Berlin.",
      ),
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Lane and contact rules (optional)'),
      field('Priority', priority, 'High batches go before normal ones, normal before low.'),
      field(
        'Weight',
        weight,
        `1–${MAX_WEIGHT}: the batch's share next to others of its priority (empty: 1).`,
      ),
      field(
        'Frequency cap',
        frequencyCap,
        'At most N conversations started per recipient (recipient_id column) in a period, ' +
          'across every batch: 1/7d, 3/24h, or none. Empty: the server default.',
      ),
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Webhook (optional)'),
      field(
        'Webhook URL',
        webhookUrl,
        "Receives the batch's signed events (completed, paused, cancelled, expired).",
      ),
      h(
        'div',
        { class: 'field check' },
        conversationEvents,
        h(
          'label',
          { for: conversationEvents.id },
          'Also send an event for each finished conversation (conversation.finished)',
        ),
      ),
    ),
  ];

  return {
    elements,
    read: (): UploadOptions | string =>
      uploadOptionsFrom({
        batchId: batchId.value,
        agentId: agentId.value,
        startAt: startAt.value,
        deadline: deadline.value,
        window: sendWindow.value,
        priority: priority.value,
        weight: weight.value,
        frequencyCap: frequencyCap.value,
        webhookUrl: webhookUrl.value,
        conversationEvents: conversationEvents.checked,
      }),
  };
}
