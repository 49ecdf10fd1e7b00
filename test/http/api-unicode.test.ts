import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH, createApiHarness, type ApiHarness } from './api-harness.js';
import { multipartBody } from './multipart.js';

let h: ApiHarness;
beforeAll(async () => {
  h = await createApiHarness();
});
afterAll(() => h.close());

/** Sends raw JSON text (or bytes), so escapes such as \ud800 reach the parser as written. */
const submitRaw = (body: string | Buffer, url = '/v1/batches') =>
  h.app.inject({
    method: 'POST',
    url,
    headers: { ...AUTH, 'content-type': 'application/json' },
    payload: body,
  });

/** A JSON body with `marker` replaced by bytes that are not UTF-8. */
function withBadBytes(json: string, marker = '@@'): Buffer {
  const [before, after] = json.split(marker) as [string, string];
  return Buffer.concat([Buffer.from(before), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(after)]);
}

describe('ill-formed text never reaches Redis', () => {
  it('two ids differing only in lone surrogates are refused (400), not merged into one key', async () => {
    const response = await submitRaw(
      '{"batchId":"surrogates","agentId":"ag","conversations":[' +
        '{"conversationId":"cust\\ud800","turns":["Alice: here is my order"]},' +
        '{"conversationId":"cust\\udbff","turns":["Bob: my card number"]},' +
        '{"conversationId":"fine","turns":["ok"]}]}',
    );
    // Ids that Redis would store as one are refused like two conversations with one id.
    expect(response.statusCode).toBe(400);
    expect(response.json().issues).toEqual(
      [0, 1].map((index) => ({
        code: 'custom',
        path: ['conversations', index, 'conversationId'],
        message: 'not valid Unicode (an unpaired UTF-16 surrogate)',
      })),
    );
    expect(await h.redis.keys(`${h.keys.conversationPrefix('surrogates')}*`)).toEqual([]);
    const bytes = await submitRaw(
      withBadBytes('{"agentId":"ag","conversations":[{"conversationId":"c@@","turns":["x"]}]}'),
    );
    expect(bytes.statusCode).toBe(400);
    expect(bytes.json().issues[0]).toMatchObject({
      path: ['conversations', 0, 'conversationId'],
      message: 'not valid UTF-8',
    });
  });

  it('names each field holding a lone surrogate: agentId, previousChatId, turns, variables', async () => {
    const response = await submitRaw(
      '{"batchId":"fields","conversations":[' +
        '{"agentId":"a\\udc00","turns":["x"]},' +
        '{"agentId":"ag","previousChatId":"chat-\\ud83d","turns":["x"]},' +
        '{"agentId":"ag","turns":["ok","half an emoji \\ud83d"]},' +
        '{"agentId":"ag","dynamicVariables":{"name":"Bo\\udfff"},"turns":["x"]},' +
        '{"agentId":"ag","dynamicVariables":{"n\\ud800":"v"},"turns":["x"]}]}',
    );
    expect(response.statusCode).toBe(202);
    const errors = response.json().rejectedRows.map((r: { errors: string[] }) => r.errors[0]);
    expect(errors).toEqual([
      'agentId: not valid Unicode (an unpaired UTF-16 surrogate)',
      'previousChatId: not valid Unicode (an unpaired UTF-16 surrogate)',
      'turns[1]: not valid Unicode (an unpaired UTF-16 surrogate)',
      'dynamicVariables.name: not valid Unicode (an unpaired UTF-16 surrogate)',
      'dynamicVariables: a variable name is not valid Unicode (an unpaired UTF-16 surrogate)',
    ]);
    expect(response.json().accepted).toBe(0);
  });

  it('bytes that are not UTF-8 inside a JSON string are refused as the CSV reader does', async () => {
    const response = await submitRaw(
      withBadBytes(
        '{"batchId":"bytes","agentId":"ag","conversations":[{"turns":["caf@@"]},{"turns":["ok"]}]}',
      ),
    );
    expect(response.statusCode).toBe(202);
    expect(response.json()).toMatchObject({
      accepted: 1,
      rejectedRows: [{ index: 0, errors: ['turns[0]: not valid UTF-8'] }],
    });
  });

  it('batch options with ill-formed text are a 400 naming the field', async () => {
    const response = await submitRaw(
      '{"batchId":"opts","agentId":"ag\\ud800","conversations":[{"turns":["x"]}]}',
    );
    expect(response.statusCode).toBe(400);
    expect(response.json().issues[0].path).toEqual(['agentId']);
    // A form field with bytes that are not UTF-8 (a query string cannot carry them: fastify
    // leaves an undecodable %FF as is).
    const form = multipartBody([
      { name: 'batchId', value: 'opts-form' },
      { name: 'agentId', value: 'ag@@' },
      { name: 'file', filename: 'a.csv', content: 'input\nhello\n' },
    ]);
    const upload = await h.app.inject({
      method: 'POST',
      url: '/v1/batches',
      headers: { ...AUTH, ...form.headers },
      payload: withBadBytes(form.payload),
    });
    expect(upload.statusCode).toBe(400);
    expect(upload.json().issues[0].path).toEqual(['agentId']);
  });

  it('an appended turn with ill-formed input or variables is a 400', async () => {
    const created = await submitRaw(
      '{"batchId":"append","agentId":"ag","conversations":[{"conversationId":"c","turns":["x"]}]}',
    );
    expect(created.json().accepted).toBe(1);
    const url = '/v1/batches/append/conversations/c/turns';
    for (const body of [
      '{"input":"lone \\udc01"}',
      withBadBytes('{"input":"bad @@ bytes"}'),
      '{"input":"ok","dynamicVariables":{"v":"\\ud800"}}',
    ]) {
      const response = await submitRaw(body, url);
      expect(response.statusCode).toBe(400);
      expect(response.json().error).toBe('invalid_request');
      expect(response.json().issues[0].path[0]).toMatch(/^(input|dynamicVariables)$/);
    }
    const view = await h.app.inject({ url: '/v1/batches/append/conversations/c', headers: AUTH });
    expect(view.json().turns).toHaveLength(1);
  });

  it('the Idempotency-Key fingerprint is over the bytes sent, not their decoded text', async () => {
    const json = '{"batchId":"fp","agentId":"ag","conversations":[{"turns":["caf@@"]}]}';
    const [before, after] = json.split('@@') as [string, string];
    const send = (bad: number[]) =>
      h.app.inject({
        method: 'POST',
        url: '/v1/batches',
        headers: { ...AUTH, 'content-type': 'application/json', 'idempotency-key': 'fp-bytes' },
        payload: Buffer.concat([Buffer.from(before), Buffer.from(bad), Buffer.from(after)]),
      });
    expect((await send([0xff])).statusCode).toBe(202);
    expect((await send([0xff])).headers['idempotent-replayed']).toBe('true');
    // Other bytes, the same text once decoded (U+FFFD): another request.
    expect((await send([0xfe])).statusCode).toBe(422);
  });
});
