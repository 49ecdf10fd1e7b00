import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH, createApiHarness, type ApiHarness } from './api-harness.js';

let h: ApiHarness;
beforeAll(async () => {
  h = await createApiHarness();
});
afterAll(() => h.close());

const get = (url: string, headers: Record<string, string> = AUTH) =>
  h.app.inject({ method: 'GET', url, headers });

interface Page {
  conversations: { conversationId: string; status: string; turns: number }[];
  total: number;
  offset: number;
  limit: number;
  nextOffset: number | null;
}

/** Follows nextOffset from 0 to the end, as the console's pager does. */
async function allPages(batchId: string, limit: number): Promise<Page[]> {
  const pages: Page[] = [];
  for (let offset: number | null = 0; offset !== null;) {
    const response = await get(
      `/v1/batches/${batchId}/conversations?offset=${offset}&limit=${limit}`,
    );
    expect(response.statusCode).toBe(200);
    const page = response.json() as Page;
    pages.push(page);
    offset = page.nextOffset;
  }
  return pages;
}

describe('GET /v1/batches/:batchId/conversations', () => {
  beforeAll(async () => {
    // Interleaved turns: c2 starts before c1's second turn; 'x y/z' has three turns; a row
    // with an empty input rejects conversation 'bad' whole.
    const csv = [
      'conversation_id,input',
      'c1,one 1',
      'c2,two 1',
      'c1,one 2',
      'x y/z,xyz 1',
      'bad,',
      'x y/z,xyz 2',
      'c3,three 1',
      'x y/z,xyz 3',
      'c4,four 1',
    ].join('\n');
    const response = await h.app.inject({
      method: 'POST',
      url: '/v1/batches?batchId=list&agentId=agent-1',
      headers: { ...AUTH, 'content-type': 'text/csv' },
      payload: `${csv}\n`,
    });
    expect(response.json()).toMatchObject({ accepted: 5, rejected: 1 });
  });

  it('lists every conversation once, in input order, with its status and turns', async () => {
    const [page, ...more] = await allPages('list', 50);
    expect(more).toEqual([]);
    expect(page).toEqual({
      conversations: [
        { conversationId: 'c1', status: 'pending', turns: 2 },
        { conversationId: 'c2', status: 'pending', turns: 1 },
        { conversationId: 'x y/z', status: 'pending', turns: 3 },
        { conversationId: 'c3', status: 'pending', turns: 1 },
        { conversationId: 'c4', status: 'pending', turns: 1 },
      ],
      total: 5,
      offset: 0,
      limit: 50,
      nextOffset: null,
    });
  });

  it('pages by nextOffset, a position in the input order, without gaps or repeats', async () => {
    const pages = await allPages('list', 2);
    expect(pages.map((p) => p.conversations.map((c) => c.conversationId))).toEqual([
      ['c1', 'c2'],
      ['x y/z', 'c3'],
      ['c4'],
    ]);
    // Positions in the input order, one entry per turn (the rejected row has none): c1 1,
    // c2 1, c1 2, xyz 1, xyz 2, c3 1, xyz 3, c4 1. A page ends after its last conversation.
    expect(pages.map((p) => [p.offset, p.nextOffset])).toEqual([
      [0, 2],
      [2, 6],
      [6, null],
    ]);
    expect(pages.every((p) => p.total === 5 && p.limit === 2)).toBe(true);
  });

  it('bounds the limit, needs a token, and answers 404 for an unknown batch', async () => {
    expect((await get('/v1/batches/list/conversations?limit=501')).statusCode).toBe(400);
    expect((await get('/v1/batches/list/conversations?limit=0')).statusCode).toBe(400);
    expect((await get('/v1/batches/list/conversations?offset=-1')).statusCode).toBe(400);
    expect((await get('/v1/batches/list/conversations', {})).statusCode).toBe(401);
    const unknown = await get('/v1/batches/nope/conversations');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error).toBe('batch_not_found');
    const past = (await get('/v1/batches/list/conversations?offset=1000')).json();
    expect(past).toMatchObject({ conversations: [], nextOffset: null });
  });
});
