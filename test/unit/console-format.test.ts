import { describe, expect, it } from 'vitest';
import type { BatchStatus, ControlResult } from '../../src/console/api-types.js';
import {
  controlMessage,
  finishedConversations,
  formatInstant,
  isFinished,
  laneText,
  localInputToIso,
  percent,
  rejectedRowText,
  resultsFileName,
  suppressedNotice,
  turnErrorText,
  webhookRetryMessage,
} from '../../src/console/format.js';
import { replyText } from '../../src/console/reply-text.js';

function status(state: BatchStatus['state'], counts: Partial<BatchStatus['conversations']>) {
  const conversations = {
    total: 0,
    pending: 0,
    active: 0,
    completed: 0,
    ended: 0,
    failed: 0,
    cancelled: 0,
    expired: 0,
    suppressed: 0,
    ...counts,
  };
  return {
    batchId: 'b',
    state,
    conversations,
    turns: {
      total: 0,
      pending: 0,
      completed: 0,
      failed: 0,
      skipped: 0,
      cancelled: 0,
      expired: 0,
      suppressed: 0,
    },
    createdAt: null,
    scheduledAt: null,
    finishedAt: null,
    priority: 'normal',
    weight: 1,
  } satisfies BatchStatus;
}

describe('the reply as text', () => {
  it("joins the content of the vendor's response items", () => {
    const response = [
      {
        id: 'i1',
        role: 'assistant',
        type: 'message',
        content: ['Hello Michael.', 'How can I help?'],
      },
      { id: 'i2', role: 'assistant', type: 'message', content: ' Anything else? ' },
    ];
    expect(replyText(response)).toBe('Hello Michael.\n\nHow can I help?\n\nAnything else?');
  });

  it('leaves out what is not text, and is empty without a response', () => {
    expect(replyText(null)).toBe('');
    expect(replyText([])).toBe('');
    expect(
      replyText([null, 3, 'x', { content: [{ type: 'image' }, 'only this', 7] }, { content: '' }]),
    ).toBe('only this');
  });
});

describe('console formatting', () => {
  it('counts finished conversations as total minus pending and active', () => {
    const s = status('running', { total: 10, pending: 3, active: 2, completed: 4, failed: 1 });
    expect(finishedConversations(s)).toBe(5);
    expect(isFinished(s)).toBe(false);
    expect(isFinished(status('completed', { total: 2, completed: 2 }))).toBe(true);
    expect(isFinished(status('paused', { total: 2, pending: 2 }))).toBe(false);
    // Cancelled, but a turn in flight is still being recorded: keep following it.
    expect(isFinished(status('cancelled', { total: 2, active: 1, cancelled: 1 }))).toBe(false);
    expect(isFinished(status('cancelled', { total: 2, cancelled: 2 }))).toBe(true);
  });

  it('shows 100% only when everything is finished', () => {
    expect(percent(0, 0)).toBe(0);
    expect(percent(1, 3)).toBe(33);
    expect(percent(999, 1000)).toBe(99);
    expect(percent(1000, 1000)).toBe(100);
  });

  it('formats instants with their zone, and a dash for none', () => {
    expect(formatInstant('2026-05-04T09:30:05.000Z', { timeZone: 'UTC' })).toBe(
      '2026-05-04 09:30:05 UTC',
    );
    expect(formatInstant('2026-05-04T09:30:05.000Z', { timeZone: 'Asia/Tokyo' })).toMatch(
      /^2026-05-04 18:30:05 /,
    );
    expect(formatInstant(null)).toBe('—');
    expect(formatInstant('not a time')).toBe('—');
  });

  it('lists a rejected row by its line, or by its place in a JSON body', () => {
    expect(
      rejectedRowText({ line: 5, conversationId: 'c1', errors: ['input is empty', 'agent'] }),
    ).toBe('line 5: input is empty; agent');
    expect(rejectedRowText({ line: null, index: 2, conversationId: 'c3', errors: ['x'] })).toBe(
      'conversation 3 (c3): x',
    );
  });

  it('says what a control button did', () => {
    const result = (
      action: ControlResult['action'],
      changed: boolean,
      conversations: number,
      state: BatchStatus['state'],
    ): ControlResult => ({ action, changed, conversations, status: status(state, {}) });
    expect(controlMessage(result('pause', true, 0, 'paused'))).toBe('Paused. The batch is paused.');
    expect(controlMessage(result('cancel', true, 4, 'cancelled'))).toBe(
      'Cancelled 4 conversations. The batch is cancelled.',
    );
    expect(controlMessage(result('retry-failed', true, 1, 'running'))).toBe(
      'Retrying 1 conversation. The batch is running.',
    );
    expect(controlMessage(result('retry-failed', false, 0, 'completed'))).toBe(
      'Nothing to retry: no conversation has failed.',
    );
    expect(controlMessage(result('resume', false, 0, 'completed'))).toBe(
      'Nothing to resume: the batch is completed.',
    );
  });

  it('turns a datetime-local value into UTC ISO, the same instant', () => {
    const iso = localInputToIso('2030-01-02T03:04');
    expect(iso).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:00\.000Z$/);
    const local = new Date(iso!);
    expect([local.getFullYear(), local.getMonth(), local.getDate(), local.getHours()]).toEqual([
      2030, 0, 2, 3,
    ]);
    expect(localInputToIso('')).toBe('');
    expect(localInputToIso('2030-13-45T99:00')).toBeUndefined();
  });

  it('names the results file after the batch', () => {
    expect(resultsFileName('spring-1', 'csv')).toBe('spring-1-results.csv');
    expect(resultsFileName('a/b', 'jsonl')).toBe('a_b-results.jsonl');
  });

  it('counts suppressed conversations as finished', () => {
    const s = status('completed', { total: 3, completed: 1, suppressed: 2 });
    expect(finishedConversations(s)).toBe(3);
    expect(isFinished(s)).toBe(true);
  });

  it("shows a batch's lane, with the weight only when it is not 1", () => {
    expect(laneText({ priority: 'normal', weight: 1 })).toBe('normal');
    expect(laneText({ priority: 'high', weight: 3 })).toBe('high, weight 3');
    expect(laneText({ priority: 'low', weight: 100 })).toBe('low, weight 100');
  });

  it("names a contact rule in a turn's error, and keeps the vendor's errors as they were", () => {
    expect(
      turnErrorText({
        code: 'frequency_cap',
        httpStatus: null,
        message: 'the recipient was contacted 1 time(s) in the frequency-cap period already',
      }),
    ).toBe(
      'Frequency cap (frequency_cap): the recipient was contacted 1 time(s) in the frequency-cap period already',
    );
    expect(
      turnErrorText({
        code: 'suppression_list',
        httpStatus: null,
        message: 'the recipient is on the suppression list',
      }),
    ).toBe('Suppression list (suppression_list): the recipient is on the suppression list');
    expect(turnErrorText({ code: 'http_422', httpStatus: 422, message: 'bad agent' })).toBe(
      'http_422 (HTTP 422): bad agent',
    );
    expect(turnErrorText({ code: 'timeout', httpStatus: null, message: 'no answer in 30 s' })).toBe(
      'timeout: no answer in 30 s',
    );
    expect(turnErrorText(null)).toBe('—');
  });

  it('says why a suppressed turn was not sent, and nothing for other turns', () => {
    const error = (code: string) => ({ code, httpStatus: null, message: 'm' });
    expect(suppressedNotice({ status: 'suppressed', error: error('suppression_list') })).toBe(
      'Not sent: the recipient is on the suppression list.',
    );
    expect(suppressedNotice({ status: 'suppressed', error: error('frequency_cap') })).toBe(
      'Not sent: the frequency cap for this recipient was reached.',
    );
    expect(suppressedNotice({ status: 'suppressed', error: error('opted_out') })).toBe(
      'Not sent: the recipient opted out.',
    );
    // A rule added to the server later still reads as a contact rule.
    expect(suppressedNotice({ status: 'suppressed', error: error('quiet_hours') })).toBe(
      'Not sent: a contact rule stopped this conversation.',
    );
    expect(suppressedNotice({ status: 'failed', error: error('http_422') })).toBeUndefined();
    expect(suppressedNotice({ status: 'completed', error: null })).toBeUndefined();
  });

  it('says what resending failed webhooks did', () => {
    expect(webhookRetryMessage(0)).toBe('No failed webhook events to resend.');
    expect(webhookRetryMessage(1)).toBe('Resent 1 failed webhook event.');
    expect(webhookRetryMessage(7)).toBe('Resent 7 failed webhook events.');
  });
});
