import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH, createApiHarness, type ApiHarness } from './api-harness.js';

let h: ApiHarness;
beforeAll(async () => {
  h = await createApiHarness();
});
afterAll(() => h.close());

const submit = (payload: unknown, headers: Record<string, string> = {}, url = '/v1/batches') =>
  h.app.inject({
    method: 'POST',
    url,
    headers: { ...AUTH, ...headers },
    payload: payload as never,
  });
const get = (url: string) => h.app.inject({ method: 'GET', url, headers: AUTH });

describe('reading batches', () => {
  beforeAll(async () => {
    for (const batchId of ['list-1', 'list-2', 'list-3']) {
      await submit({ batchId, agentId: 'a', conversations: [{ turns: ['=1+1', 'second'] }] });
    }
  });

  it('lists batches newest first, paginated', async () => {
    const first = (await get('/v1/batches?limit=2')).json();
    expect(first.batches.map((b: { batchId: string }) => b.batchId)).toEqual(['list-3', 'list-2']);
    expect(first).toMatchObject({ offset: 0, limit: 2, nextOffset: 2 });
    const last = (await get(`/v1/batches?limit=2&offset=${first.total - 1}`)).json();
    expect(last.batches).toHaveLength(1);
    expect(last.nextOffset).toBeNull();
    expect((await get('/v1/batches?limit=0')).statusCode).toBe(400);
  });

  it('answers a batch status like status --json, 404 when unknown', async () => {
    const response = await get('/v1/batches/list-1');
    expect(response.statusCode).toBe(200);
    // The contract's keys, in its order; the second wave's additions follow them.
    expect(Object.keys(response.json()).slice(0, 7)).toEqual([
      'batchId',
      'state',
      'conversations',
      'turns',
      'createdAt',
      'scheduledAt',
      'finishedAt',
    ]);
    expect(Object.keys(response.json()).slice(7)).toEqual(
      expect.arrayContaining(['pausedReason', 'nextSendAt', 'priority', 'weight']),
    );
    const unknown = await get('/v1/batches/nope');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toEqual({ error: 'batch_not_found', message: 'no such batch: nope' });
  });

  it('streams results as JSONL or CSV, in input order; 404 when unknown', async () => {
    const jsonl = await get('/v1/batches/list-2/results?format=jsonl');
    expect(jsonl.headers['content-type']).toMatch(/^application\/x-ndjson/);
    const records = jsonl.body
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(records.map((r) => [r.turn, r.input, r.status])).toEqual([
      [1, '=1+1', 'pending'],
      [2, 'second', 'pending'],
    ]);
    const table = await get('/v1/batches/list-2/results?format=csv');
    expect(table.headers['content-type']).toMatch(/^text\/csv/);
    const rows = table.body.trim().split('\n');
    expect(rows[0]).toMatch(/^batchId,conversationId,turn,line,agentId,input,status/);
    expect(rows[1]).toContain(",'=1+1,"); // formula neutralised
    expect((await get('/v1/batches/list-2/results')).body).toBe(jsonl.body);
    expect((await get('/v1/batches/list-2/results?format=xml')).statusCode).toBe(400);
    // For spreadsheets: another separator and a byte order mark; neither applies to JSONL.
    const excel = await get('/v1/batches/list-2/results?format=csv&delimiter=%3B&bom=true');
    expect(excel.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(excel.body.split('\n')[0]).toMatch(/^\uFEFFbatchId;conversationId;turn;/);
    expect(excel.body.split('\n')[0]).toContain(';response;reply;attempts;');
    expect((await get('/v1/batches/list-2/results?format=csv&delimiter=tab')).body).toMatch(
      /^batchId\tconversationId\t/,
    );
    expect((await get('/v1/batches/list-2/results?format=jsonl&bom=true')).statusCode).toBe(400);
    expect((await get('/v1/batches/list-2/results?format=csv&delimiter=ab')).statusCode).toBe(400);
    expect((await get('/v1/batches/nope/results')).statusCode).toBe(404);
  });
});
