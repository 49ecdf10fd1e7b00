import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH, createApiHarness, type ApiHarness } from './api-harness.js';
import { multipartBody } from './multipart.js';

let h: ApiHarness;
beforeAll(async () => {
  // Small limits so that 413 is cheap to reach.
  h = await createApiHarness({
    env: { CHATBATCH_API_JSON_LIMIT_MB: '0.05', CHATBATCH_API_CSV_LIMIT_MB: '0.05' },
  });
});
afterAll(() => h.close());

const submit = (payload: unknown, headers: Record<string, string> = {}, url = '/v1/batches') =>
  h.app.inject({
    method: 'POST',
    url,
    headers: { ...AUTH, ...headers },
    payload: payload as never,
  });
const csv = (body: string | Readable, query: string) =>
  submit(body, { 'content-type': 'text/csv' }, `/v1/batches?${query}`);
const get = (url: string) => h.app.inject({ method: 'GET', url, headers: AUTH });

describe('POST /v1/batches with CSV', () => {
  const file =
    'conversation_id,input,customer_name\r\n' +
    'c1,Where is my order?,Michael\r\n' +
    'c2,"Change my address, please",Aisha\r\n' +
    'c1,It was due Monday.,\r\n' +
    'c3,,Bob\r\n';

  it('streams a raw text/csv body with options as query parameters', async () => {
    const response = await csv(
      Readable.from([file.slice(0, 40), file.slice(40)]),
      'batchId=csv-raw&agentId=agent-A',
    );
    expect(response.statusCode).toBe(202);
    expect(response.json()).toEqual({
      batchId: 'csv-raw',
      conversations: 3,
      turns: 3,
      accepted: 2,
      rejected: 1,
      duplicates: 0,
      rejectedRows: [{ line: 5, conversationId: 'c3', errors: ['input: must not be empty'] }],
      discarded: false,
      delimiter: ',',
      warnings: [],
    });
    const results = (await get('/v1/batches/csv-raw/results')).body.trim().split('\n');
    expect(results.map((line) => JSON.parse(line).line)).toEqual([2, 3, 4]); // file order
  });

  it('takes a delimiter and answers 400 for a bad one or a file without an input column', async () => {
    const semi = await csv('input;name\nhello;x\n', 'batchId=csv-semi&agentId=a&delimiter=%3B');
    expect(semi.json()).toMatchObject({ accepted: 1 });
    const bad = await csv('input\nx\n', 'agentId=a&delimiter=ab');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().issues[0].path).toEqual(['delimiter']);
    const noInput = await csv('message\nx\n', 'agentId=a&batchId=csv-no-input');
    expect(noInput.statusCode).toBe(400);
    expect(noInput.json()).toMatchObject({ error: 'invalid_csv' });
    expect((await get('/v1/batches/csv-no-input')).statusCode).toBe(404);
  });

  it('detects a semicolon or tab export, warns about near-miss headers, refuses them when strict', async () => {
    const excel = 'Conversation ID;input;customer\nc1;Bonjour;Zoé\nc1;Encore;\n';
    const detected = await csv(excel, 'batchId=csv-excel&agentId=a');
    expect(detected.statusCode).toBe(202);
    expect(detected.json()).toMatchObject({
      accepted: 2, // no conversation_id column: each row is its own conversation
      delimiter: ';',
      warnings: [
        expect.stringContaining(
          'header column 1 "Conversation ID" is not the reserved column "conversation_id"',
        ),
      ],
    });
    const strict = await csv(excel, 'batchId=csv-excel-strict&agentId=a&strict=true');
    expect(strict.statusCode).toBe(400);
    expect(strict.json()).toMatchObject({ error: 'invalid_csv' });
    expect(strict.json().message).toContain('"Conversation ID" is not the reserved column');
    const tabs = await csv(
      'input\tcity\nhi, there\tLyon\n',
      'batchId=csv-tab&agentId=a&delimiter=tab',
    );
    expect(tabs.json()).toMatchObject({ accepted: 1, delimiter: '\t' });
    const form = multipartBody([
      { name: 'batchId', value: 'csv-form-pipe' },
      { name: 'agentId', value: 'a' },
      { name: 'file', filename: 'pipe.csv', content: 'input|city\nhi; there|Lyon\n' },
    ]);
    expect((await submit(form.payload, form.headers)).json()).toMatchObject({
      accepted: 1,
      delimiter: '|',
    });
  });

  it('takes a multipart upload: option fields, then the file', async () => {
    const form = multipartBody([
      { name: 'batchId', value: 'csv-multipart' },
      { name: 'agentId', value: 'agent-B' },
      { name: 'file', filename: 'customers.csv', content: file },
    ]);
    const response = await submit(form.payload, form.headers);
    expect(response.statusCode).toBe(202);
    expect(response.json()).toMatchObject({
      batchId: 'csv-multipart',
      accepted: 2,
      rejected: 1,
      rejectedRows: [{ line: 5, conversationId: 'c3' }],
    });
    const conversation = (await get('/v1/batches/csv-multipart/conversations/c1')).json();
    expect(conversation.agentId).toBe('agent-B');
  });

  it('refuses a multipart form without a file, with unknown fields, or with fields after the file', async () => {
    const cases = [
      [{ name: 'batchId', value: 'mp-none' }],
      [
        { name: 'batchid', value: 'mp-unknown' },
        { name: 'file', filename: 'a.csv', content: 'input\nx\n' },
      ],
      [
        { name: 'batchId', value: 'mp-late' },
        { name: 'file', filename: 'a.csv', content: 'input\nx\n' },
        { name: 'agentId', value: 'a' },
      ],
    ];
    for (const parts of cases) {
      const form = multipartBody(parts);
      const response = await submit(form.payload, form.headers);
      expect(response.statusCode).toBe(400);
      expect(response.json().error).toBe('invalid_request');
    }
    // The late field was refused after the rows were read: still nothing was committed.
    expect((await get('/v1/batches/mp-late')).statusCode).toBe(404);
  });

  it('answers 413 over the CSV limit, whether declared or streamed, enqueuing nothing', async () => {
    const big = `input\n${'hello there\n'.repeat(6000)}`;
    const declared = await csv(big, 'batchId=csv-big&agentId=a');
    expect(declared.statusCode).toBe(413);
    const streamed = await csv(
      Readable.from(big.match(/[^]{1,4096}/g)!),
      'batchId=csv-big&agentId=a',
    );
    expect(streamed.statusCode).toBe(413);
    expect(streamed.json().message).toMatch(/larger than the limit/);
    const form = multipartBody([
      { name: 'batchId', value: 'csv-big' },
      { name: 'agentId', value: 'a' },
      { name: 'file', filename: 'big.csv', content: big },
    ]);
    const upload = await submit(form.payload, form.headers);
    expect(upload.statusCode).toBe(413);
    expect((await get('/v1/batches/csv-big')).statusCode).toBe(404);
  });
});
