import { describe, expect, it } from 'vitest';
import { ApiRequestError, createApiClient } from '../../src/console/api-client.js';
import { createSession } from '../../src/console/session.js';

interface Call {
  url: string;
  method: string;
  headers: Headers;
  body: RequestInit['body'];
}

/** A scripted fetch: records every call and answers with `answer(call)`. */
function fakeFetch(answer: (call: Call) => Response | Promise<Response>) {
  const calls: Call[] = [];
  const fetch = async (url: string, init: RequestInit = {}) => {
    const call = {
      url,
      method: init.method ?? 'GET',
      headers: new Headers(init.headers),
      body: init.body,
    };
    calls.push(call);
    return answer(call);
  };
  return { fetch, calls };
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('the console API client', () => {
  it('sends the bearer token as a header on every call, never in the URL', async () => {
    const { fetch, calls } = fakeFetch(() => json({}));
    const api = createApiClient({ fetch, token: () => 'tok-secret-1' });
    await api.listBatches(50, 25);
    await api.batch('b-1');
    await api.conversations('b-1', 120, 50);
    await api.control('b-1', 'retry-failed');
    await api.schedules();
    await api.removeSchedule('nightly');
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      'GET /v1/batches?offset=50&limit=25',
      'GET /v1/batches/b-1',
      'GET /v1/batches/b-1/conversations?offset=120&limit=50',
      'POST /v1/batches/b-1/retry-failed',
      'GET /v1/schedules',
      'DELETE /v1/schedules/nightly',
    ]);
    for (const call of calls) {
      expect(call.headers.get('authorization')).toBe('Bearer tok-secret-1');
      expect(call.url).not.toContain('tok-secret-1');
    }
  });

  it('percent-encodes ids in paths', async () => {
    const { fetch, calls } = fakeFetch(() => json({}));
    const api = createApiClient({ fetch, token: () => 't' });
    await api.conversation('b.1', 'a/b c?d#e%');
    expect(calls[0]!.url).toBe('/v1/batches/b.1/conversations/a%2Fb%20c%3Fd%23e%25');
  });

  it('uploads a multipart form: the option fields first, then the file', async () => {
    const { fetch, calls } = fakeFetch(() =>
      json({ batchId: 'b', accepted: 1, rejected: 0, rejectedRows: [] }, 202),
    );
    const api = createApiClient({ fetch, token: () => 't' });
    const file = new Blob(['input\nhello\n'], { type: 'text/csv' });
    await api.upload(
      file,
      'list.csv',
      { batchId: ' b ', agentId: '', scheduleAt: '2030-01-01T00:00:00.000Z', window: '' },
      { dryRun: true },
    );
    await api.upload(file, 'list.csv', { batchId: 'b' }, { dryRun: false, idempotencyKey: 'k-1' });
    const [dry, real] = calls;
    expect(dry!.method).toBe('POST');
    expect(dry!.url).toBe('/v1/batches');
    const form = dry!.body as FormData;
    expect([...form.keys()]).toEqual(['batchId', 'scheduleAt', 'dryRun', 'file']);
    expect(form.get('batchId')).toBe('b');
    expect(form.get('dryRun')).toBe('true');
    expect(await (form.get('file') as File).text()).toBe('input\nhello\n');
    expect((form.get('file') as File).name).toBe('list.csv');
    expect(dry!.headers.get('idempotency-key')).toBeNull();
    expect((real!.body as FormData).get('dryRun')).toBe('false');
    expect(real!.headers.get('idempotency-key')).toBe('k-1');
  });

  it('sends the lane, frequency cap and webhook options as form fields before the file', async () => {
    const { fetch, calls } = fakeFetch(() =>
      json({ batchId: 'b', accepted: 1, rejected: 0, rejectedRows: [] }, 202),
    );
    const api = createApiClient({ fetch, token: () => 't' });
    await api.upload(
      new Blob(['recipient_id,input\n+1555,hi\n']),
      'list.csv',
      {
        batchId: 'b',
        priority: 'high',
        weight: '3',
        frequencyCap: '1/7d',
        webhookUrl: ' https://crm.example.com/hooks ',
        webhookEvents: 'conversation.finished',
      },
      { dryRun: true },
    );
    const form = calls[0]!.body as FormData;
    expect([...form.entries()].filter(([, v]) => typeof v === 'string')).toEqual([
      ['batchId', 'b'],
      ['priority', 'high'],
      ['weight', '3'],
      ['frequencyCap', '1/7d'],
      ['webhookUrl', 'https://crm.example.com/hooks'],
      ['webhookEvents', 'conversation.finished'],
      ['dryRun', 'true'],
    ]);
    expect([...form.keys()].at(-1)).toBe('file');
  });

  it('reads, adds to and removes from the suppression list; ids never go into a URL', async () => {
    const { fetch, calls } = fakeFetch((call) =>
      call.method === 'GET'
        ? json({ suppressions: [], total: 0, nextCursor: null })
        : json(call.method === 'POST' ? { added: 2, alreadyListed: 0 } : { removed: 1 }),
    );
    const api = createApiClient({ fetch, token: () => 't' });
    await api.suppressions('0', 50);
    await api.suppressions('1536', 50);
    expect(await api.addSuppressions(['+15550100', 'jane@example.com'], 'asked')).toEqual({
      added: 2,
      alreadyListed: 0,
    });
    await api.addSuppressions(['+15550101']);
    expect(await api.removeSuppressions(['+15550100'])).toEqual({ removed: 1 });
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      'GET /v1/suppressions?cursor=0&limit=50',
      'GET /v1/suppressions?cursor=1536&limit=50',
      'POST /v1/suppressions',
      'POST /v1/suppressions',
      'DELETE /v1/suppressions',
    ]);
    const bodies = calls.slice(2).map((c) => JSON.parse(c.body as string) as unknown);
    expect(bodies).toEqual([
      { recipientIds: ['+15550100', 'jane@example.com'], reason: 'asked' },
      { recipientIds: ['+15550101'] },
      { recipientIds: ['+15550100'] },
    ]);
    for (const call of calls.slice(2)) {
      expect(call.headers.get('content-type')).toBe('application/json');
      expect(call.headers.get('authorization')).toBe('Bearer t');
    }
  });

  it("re-sends a batch's failed webhook events", async () => {
    const { fetch, calls } = fakeFetch(() => json({ batchId: 'b 1', resent: 2 }));
    const api = createApiClient({ fetch, token: () => 't' });
    expect(await api.retryWebhooks('b 1')).toEqual({ batchId: 'b 1', resent: 2 });
    expect(`${calls[0]!.method} ${calls[0]!.url}`).toBe('POST /v1/batches/b%201/webhooks/retry');
  });

  it("turns the API's error answer into an error with its code and message", async () => {
    const { fetch } = fakeFetch(() =>
      json(
        {
          error: 'invalid_request',
          message: 'invalid request body',
          issues: [{ code: 'custom', path: ['window'], message: 'unknown day "mun"' }],
        },
        400,
      ),
    );
    const api = createApiClient({ fetch, token: () => 't' });
    const error = await api.batch('b').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiRequestError);
    expect(error).toMatchObject({
      status: 400,
      code: 'invalid_request',
      message: 'invalid request body (window: unknown day "mun")',
    });
  });

  it('reports a network failure and a non-JSON error page plainly', async () => {
    const down = createApiClient({
      fetch: async () => {
        throw new TypeError('Failed to fetch');
      },
      token: () => 't',
    });
    await expect(down.batch('b')).rejects.toMatchObject({
      status: 0,
      code: 'network',
      message: 'the API did not answer (Failed to fetch)',
    });
    const proxy = createApiClient({
      fetch: async () => new Response('<h1>Bad gateway</h1>', { status: 502 }),
      token: () => 't',
    });
    await expect(proxy.batch('b')).rejects.toMatchObject({
      status: 502,
      code: 'bad_answer',
      message: 'the API answered 502',
    });
  });

  it('calls onUnauthorized on a 401 and still rejects', async () => {
    let told = 0;
    const { fetch, calls } = fakeFetch(() =>
      json({ error: 'unauthorized', message: 'invalid bearer token' }, 401),
    );
    const api = createApiClient({ fetch, token: () => undefined, onUnauthorized: () => told++ });
    await expect(api.listBatches(0, 1)).rejects.toMatchObject({ status: 401 });
    expect(told).toBe(1);
    expect(calls[0]!.headers.get('authorization')).toBeNull();
  });

  it('fetches results as a Blob with the token', async () => {
    const { fetch, calls } = fakeFetch(
      () => new Response('batchId,turn\nb,1\n', { headers: { 'content-type': 'text/csv' } }),
    );
    const api = createApiClient({ fetch, token: () => 't' });
    const blob = await api.results('b', 'csv');
    expect(await blob.text()).toBe('batchId,turn\nb,1\n');
    expect(calls[0]!.url).toBe('/v1/batches/b/results?format=csv');
    expect(calls[0]!.headers.get('authorization')).toBe('Bearer t');
  });
});

describe('the console session', () => {
  function memoryStorage() {
    const items = new Map<string, string>();
    return {
      items,
      getItem: (key: string) => items.get(key) ?? null,
      setItem: (key: string, value: string) => void items.set(key, value),
      removeItem: (key: string) => void items.delete(key),
    };
  }

  it('keeps the token in session storage, so a reload of the tab keeps it', () => {
    const storage = memoryStorage();
    createSession(storage).signIn('tok-1');
    const reloaded = createSession(storage);
    expect(reloaded.token()).toBe('tok-1');
    reloaded.signOut();
    expect(reloaded.token()).toBeUndefined();
    expect(storage.items.size).toBe(0);
  });

  it('works in memory when storage refuses', () => {
    const refusing = {
      getItem: () => {
        throw new Error('denied');
      },
      setItem: () => {
        throw new Error('denied');
      },
      removeItem: () => {
        throw new Error('denied');
      },
    };
    const session = createSession(refusing);
    expect(session.token()).toBeUndefined();
    session.signIn('tok-2');
    expect(session.token()).toBe('tok-2');
    session.signOut();
    expect(session.token()).toBeUndefined();
  });
});
