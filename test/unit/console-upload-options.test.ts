import { describe, expect, it } from 'vitest';
import { uploadOptionsFrom, type UploadOptionInputs } from '../../src/console/upload-options.js';
import { MAX_WEIGHT } from '../../src/store/lane-store.js';
import { MAX_WEIGHT as CONSOLE_MAX_WEIGHT } from '../../src/console/upload-options.js';

const empty: UploadOptionInputs = {
  batchId: '',
  agentId: '',
  startAt: '',
  deadline: '',
  window: '',
  priority: 'normal',
  weight: '',
  frequencyCap: '',
  webhookUrl: '',
  conversationEvents: false,
};

describe("the upload form's options", () => {
  it('passes the lane, the frequency cap and the webhook as the form fields', () => {
    expect(
      uploadOptionsFrom({
        ...empty,
        batchId: 'spring',
        priority: 'high',
        weight: ' 3 ',
        frequencyCap: '1/7d',
        webhookUrl: 'https://crm.example.com/hooks',
        conversationEvents: true,
      }),
    ).toEqual({
      batchId: 'spring',
      agentId: '',
      scheduleAt: '',
      expireAt: '',
      window: '',
      priority: 'high',
      weight: '3',
      frequencyCap: '1/7d',
      webhookUrl: 'https://crm.example.com/hooks',
      webhookEvents: 'conversation.finished',
    });
    expect(uploadOptionsFrom(empty)).toMatchObject({ priority: 'normal', webhookEvents: '' });
  });

  it('refuses a weight outside 1–100 or not whole, naming the field', () => {
    expect(CONSOLE_MAX_WEIGHT).toBe(MAX_WEIGHT);
    for (const weight of ['0', '101', '2.5', '-1', 'three', '1e2'])
      expect(uploadOptionsFrom({ ...empty, weight })).toBe('Weight: a whole number from 1 to 100.');
    for (const weight of ['1', '100', '42'])
      expect(uploadOptionsFrom({ ...empty, weight })).toMatchObject({ weight });
  });

  it('refuses an unknown priority and an impossible date, naming the field', () => {
    expect(uploadOptionsFrom({ ...empty, priority: 'urgent' })).toBe(
      'Priority: choose high, normal or low.',
    );
    expect(uploadOptionsFrom({ ...empty, startAt: '2030-13-45T99:00' })).toBe(
      'Start at: not a valid date and time.',
    );
    expect(uploadOptionsFrom({ ...empty, deadline: 'soon' })).toBe(
      'Deadline: not a valid date and time.',
    );
  });
});
