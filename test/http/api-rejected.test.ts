import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH, createApiHarness, type ApiHarness } from './api-harness.js';

let h: ApiHarness;
beforeAll(async () => {
  h = await createApiHarness();
});
afterAll(() => h.close());

const submitCsv = (body: string, query: string) =>
  h.app.inject({
    method: 'POST',
    url: `/v1/batches?${query}`,
    headers: { ...AUTH, 'content-type': 'text/csv' },
    payload: body,
  });
const get = (url: string) => h.app.inject({ method: 'GET', url, headers: AUTH });
const lines = (body: string) =>
  body
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);

const FILE = [
  'conversation_id,input,agent_id,timezone',
  'c1,My SSN is 078-05-1120,ag,',
  'c2,,ag,',
  'c3,hello,ag,Mars/Base',
  'c4,=HYPERLINK(x),,',
  'c5,fine,ag,',
].join('\n');

describe('GET /v1/batches/:batchId/rejected', () => {
  it('exports the rejected rows kept with the batch, in file order, never the input text', async () => {
    expect((await submitCsv(FILE, 'batchId=rej-1')).json()).toMatchObject({
      accepted: 2,
      rejected: 3,
    });
    // A re-run of the same file rejects the same rows: they are kept once.
    expect((await submitCsv(FILE, 'batchId=rej-1')).json()).toMatchObject({ rejected: 3 });
    const response = await get('/v1/batches/rej-1/rejected');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/ndjson/);
    expect(response.headers['rejected-rows-omitted']).toBe('0');
    expect(lines(response.body)).toEqual([
      { line: 3, conversationId: 'c2', errors: ['input: must not be empty'] },
      { line: 4, conversationId: 'c3', errors: ['timezone: "Mars/Base" is not an IANA time zone'] },
      {
        line: 5,
        conversationId: 'c4',
        errors: ["agent_id: empty on the conversation's first row, and no --agent-id given"],
      },
    ]);
    const stored = JSON.stringify(await h.redis.hgetall(h.keys.rejected('rej-1')));
    expect(stored).not.toContain('HYPERLINK');
    expect(stored).not.toContain('078-05-1120');
    // Kept as long as the batch.
    const [batchTtl, rejectedTtl] = await Promise.all([
      h.redis.ttl(h.keys.batch('rej-1')),
      h.redis.ttl(h.keys.rejected('rej-1')),
    ]);
    expect(Math.abs(batchTtl - rejectedTtl)).toBeLessThanOrEqual(5);
  });

  it('exports CSV with formula cells neutralised', async () => {
    await submitCsv('conversation_id,input\n=cmd(),\n', 'batchId=rej-csv&agentId=ag');
    const response = await get('/v1/batches/rej-csv/rejected?format=csv');
    expect(response.headers['content-type']).toMatch(/text\/csv/);
    expect(response.body).toBe(
      "line,index,conversationId,errors\n2,,'=cmd(),input: must not be empty\n",
    );
  });

  it('writes CSV with the delimiter and byte order mark asked for, as the results do', async () => {
    await submitCsv('conversation_id,input\nc;1,\n', 'batchId=rej-semi&agentId=ag');
    const response = await get(
      '/v1/batches/rej-semi/rejected?format=csv&delimiter=semicolon&bom=true',
    );
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe(
      '\uFEFFline;index;conversationId;errors\n2;;"c;1";input: must not be empty\n',
    );
    const jsonl = await get('/v1/batches/rej-semi/rejected?delimiter=%3B');
    expect(jsonl.statusCode).toBe(400);
    expect(jsonl.json()).toMatchObject({ message: 'delimiter and bom apply to format=csv' });
    expect((await get('/v1/batches/rej-semi/rejected?format=csv&delimiter=ab')).statusCode).toBe(
      400,
    );
  });

  it('keeps the JSON index, nothing for a dry run, 404 for no batch, 400 for a bad id', async () => {
    await h.app.inject({
      method: 'POST',
      url: '/v1/batches',
      headers: AUTH,
      payload: {
        batchId: 'rej-json',
        agentId: 'ag',
        conversations: [{ turns: ['ok'] }, { turns: [''] }],
      },
    });
    expect(lines((await get('/v1/batches/rej-json/rejected')).body)).toEqual([
      { line: null, index: 1, conversationId: 'conv-1', errors: ['turns[0]: must not be empty'] },
    ]);
    await submitCsv(FILE, 'batchId=rej-dry&dryRun=true');
    expect(await h.redis.exists(h.keys.rejected('rej-dry'))).toBe(0);
    await submitCsv('input,agent_id\nall good,ag\n', 'batchId=rej-none');
    const none = await get('/v1/batches/rej-none/rejected');
    expect(none.statusCode).toBe(200);
    expect(none.body).toBe('');
    expect((await get('/v1/batches/rej-nope/rejected')).statusCode).toBe(404);
    expect((await get('/v1/batches/rej:1/rejected')).statusCode).toBe(400);
  });

  it('keeps the first 10,000 rows of a batch and counts the others', async () => {
    const rows = Array.from({ length: 10_500 }, () => ',ag').join('\n');
    const report = (await submitCsv(`input,agent_id\n${rows}\n`, 'batchId=rej-many')).json();
    expect(report).toMatchObject({ rejected: 10_500, rejectedRowsOmitted: 9_500 });
    const response = await get('/v1/batches/rej-many/rejected');
    const exported = lines(response.body);
    expect(exported).toHaveLength(10_000);
    expect(exported[9_999]).toMatchObject({ line: 10_001 });
    expect(response.headers['rejected-rows-omitted']).toBe('500');
  });
});
