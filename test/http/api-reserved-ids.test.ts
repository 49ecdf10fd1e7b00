import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH, createApiHarness, type ApiHarness } from './api-harness.js';

let h: ApiHarness;
beforeAll(async () => {
  h = await createApiHarness();
});
afterAll(() => h.close());

const RESERVED =
  'has the form of an id chatbatch gives conversations sent without one (line-<n>, conv-<n>); choose another';

describe('explicit ids cannot take the form of the default ones', () => {
  it('JSON: an explicit conv-<n> or line-<n> is rejected; a later default conv-0 is not swallowed', async () => {
    const first = await h.app.inject({
      method: 'POST',
      url: '/v1/batches',
      headers: AUTH,
      payload: {
        batchId: 'reserved',
        agentId: 'ag',
        conversations: [
          { conversationId: 'conv-0', turns: ['Alice: explicit id'] },
          { conversationId: 'line-7', turns: ['Carol'] },
          { conversationId: 'conv-x', turns: ['fine'] },
        ],
      },
    });
    expect(first.json()).toMatchObject({
      accepted: 1,
      rejectedRows: [
        { index: 0, conversationId: 'conv-0', errors: [`conversationId: "conv-0" ${RESERVED}`] },
        { index: 1, conversationId: 'line-7', errors: [`conversationId: "line-7" ${RESERVED}`] },
      ],
    });
    // Another request to the batch without ids: its first conversation is conv-0, and is new.
    const second = await h.app.inject({
      method: 'POST',
      url: '/v1/batches',
      headers: AUTH,
      payload: { batchId: 'reserved', agentId: 'ag', conversations: [{ turns: ['Bob'] }] },
    });
    expect(second.json()).toMatchObject({ accepted: 1, duplicates: 0 });
    const view = await h.app.inject({
      url: '/v1/batches/reserved/conversations/conv-0',
      headers: AUTH,
    });
    expect(view.json().turns[0].input).toBe('Bob');
  });

  it('CSV: a conversation_id of the form line-<n> is a row error naming the line', async () => {
    const response = await h.app.inject({
      method: 'POST',
      url: '/v1/batches?batchId=reserved-csv&agentId=ag',
      headers: { ...AUTH, 'content-type': 'text/csv' },
      payload: 'conversation_id,input\nline-3,hi\nconv-12,hi\nline-3x,hi\n',
    });
    expect(response.json()).toMatchObject({
      accepted: 1,
      rejectedRows: [
        { line: 2, conversationId: 'line-3', errors: [`conversation_id: "line-3" ${RESERVED}`] },
        { line: 3, conversationId: 'conv-12', errors: [`conversation_id: "conv-12" ${RESERVED}`] },
      ],
    });
  });
});
