import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH, createApiHarness, type ApiHarness } from './api-harness.js';
import { multipartBody } from './multipart.js';

let h: ApiHarness;
beforeAll(async () => {
  h = await createApiHarness();
});
afterAll(() => h.close());

const inject = (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown) =>
  h.app.inject({
    method,
    url,
    headers: AUTH,
    ...(payload === undefined ? {} : { payload: payload as never }),
  });

const CSV = 'conversation_id,agent_id,input\na,ag,hello\n';

describe('scheduling over the API', () => {
  it('POST /v1/batches takes scheduleAt, expireAt and a send window', async () => {
    const scheduleAt = new Date(Date.now() + 3_600_000).toISOString();
    const response = await inject('POST', '/v1/batches', {
      batchId: 'planned',
      agentId: 'ag',
      scheduleAt,
      expireAt: new Date(Date.now() + 7_200_000).toISOString(),
      window: { days: 'mon-fri', start: '09:00', end: '18:00', timezone: 'Europe/Berlin' },
      conversations: [{ turns: ['hello'], timezone: 'Asia/Tokyo' }],
    });
    expect(response.statusCode).toBe(202);
    const status = await inject('GET', '/v1/batches/planned');
    expect(status.json()).toMatchObject({
      state: 'scheduled',
      scheduledAt: new Date(scheduleAt).toISOString(),
    });
    const batch = await h.redis.hgetall(h.keys.batch('planned'));
    expect(JSON.parse(batch.window!)).toMatchObject({
      days: [1, 2, 3, 4, 5],
      startMinute: 540,
      timezone: 'Europe/Berlin',
    });
    // The first turn waits in BullMQ's delayed set until the start time.
    expect(await h.turnQueue.queue.getDelayedCount()).toBe(1);
  });

  it('a CSV body takes the same options as query parameters (window in its text form)', async () => {
    const response = await h.app.inject({
      method: 'POST',
      url: `/v1/batches?batchId=planned-csv&window=${encodeURIComponent('sat,sun 10:00-12:00 UTC')}`,
      headers: { ...AUTH, 'content-type': 'text/csv' },
      payload: CSV,
    });
    expect(response.statusCode).toBe(202);
    expect(JSON.parse((await h.redis.hget(h.keys.batch('planned-csv'), 'window'))!).days).toEqual([
      6, 7,
    ]);
  });

  it.each([
    [{ scheduleAt: 'tomorrow' }, 'ISO-8601'],
    [{ window: { days: 'mon', start: '22:00', end: '06:00' } }, 'across midnight'],
    [{ window: 'mon 09:00-10:00 Mars/Base' }, 'IANA'],
  ])('rejects bad scheduling options with 400: %j', async (options, words) => {
    const response = await inject('POST', '/v1/batches', {
      agentId: 'ag',
      conversations: [{ turns: ['x'] }],
      ...options,
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toBe('invalid_request');
    expect(JSON.stringify(response.json())).toContain(words);
  });

  it('creates, lists, pauses, resumes and deletes a recurring run', async () => {
    const created = await inject('POST', '/v1/schedules', {
      name: 'weekday-followups',
      cron: '0 10 * * 1-5',
      tz: 'Europe/Berlin',
      csv: CSV,
      agentId: 'ag',
      window: 'mon-fri 09:00-18:00 Europe/Berlin',
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({
      name: 'weekday-followups',
      paused: false,
      csvBytes: CSV.length,
      // Echoed as given, not as internal minutes.
      window: 'mon-fri 09:00-18:00 Europe/Berlin',
    });
    expect(created.json().next).toMatch(/T09:00:00.000Z$/); // 10:00 in Berlin in winter

    expect((await inject('GET', '/v1/schedules')).json().schedules).toHaveLength(1);
    expect((await inject('POST', '/v1/schedules/weekday-followups/pause')).json()).toMatchObject({
      paused: true,
      next: null,
    });
    expect((await inject('POST', '/v1/schedules/weekday-followups/resume')).json()).toMatchObject({
      paused: false,
    });
    expect((await inject('DELETE', '/v1/schedules/weekday-followups')).json()).toEqual({
      removed: 'weekday-followups',
    });
    expect((await inject('GET', '/v1/schedules')).json().schedules).toEqual([]);
  });

  it('echoes a window as it was given: text, object, or (stored before) formatted', async () => {
    const asText = await inject('POST', '/v1/schedules', {
      name: 'echo-text',
      cron: '0 10 * * 1-5',
      csv: CSV,
      window: 'mon-fri 09:00-18:00',
    });
    expect(asText.json().window).toBe('mon-fri 09:00-18:00');
    const object = { days: 'sat,sun', start: '10:00', end: '12:30' };
    const asObject = await inject('POST', '/v1/schedules', {
      name: 'echo-object',
      cron: '0 10 * * 6',
      csv: CSV,
      window: object,
    });
    expect(asObject.json().window).toEqual(object);
    // A definition stored without the text it was given shows the window in the text form.
    const key = h.keys.schedule('echo-object');
    const stored = JSON.parse((await h.redis.get(key))!);
    delete stored.windowGiven;
    await h.redis.set(key, JSON.stringify(stored));
    const listed = (await inject('GET', '/v1/schedules')).json().schedules;
    expect(listed.find((s: { name: string }) => s.name === 'echo-object').window).toBe(
      'sat,sun 10:00-12:30 UTC',
    );
    for (const name of ['echo-text', 'echo-object'])
      await inject('DELETE', `/v1/schedules/${name}`);
  });

  it('refuses a cron that fires more often than the minimum interval (default 1 h)', async () => {
    const response = await inject('POST', '/v1/schedules', {
      name: 'every-second',
      cron: '* * * * * *',
      csv: CSV,
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toBe(
      'cron: "* * * * * *" fires 1 s apart; the minimum interval between firings is 1 h ' +
        '(CHATBATCH_SCHEDULE_MIN_INTERVAL)',
    );
    expect((await inject('GET', '/v1/schedules')).json().schedules).toEqual([]);
  });

  it('explains a bad schedule (400) and an unknown one (404)', async () => {
    const bad = await inject('POST', '/v1/schedules', { name: 'x', cron: 'every day', csv: CSV });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toContain('cron');
    expect((await inject('POST', '/v1/schedules/nope/pause')).statusCode).toBe(404);
    expect((await inject('DELETE', '/v1/schedules/nope')).statusCode).toBe(404);
    const anonymous = await h.app.inject({ method: 'GET', url: '/v1/schedules' });
    expect(anonymous.statusCode).toBe(401);
  });
});

describe('scheduleAt and expireAt must name a real instant', () => {
  const impossible = ['2026-13-45T99:99:99Z', '2030-02-31T00:00:00Z'];

  it.each(impossible)('JSON fields: %s is a 400 and nothing is created', async (value) => {
    for (const field of ['scheduleAt', 'expireAt']) {
      const batchId = `bad-${field}-${value.slice(5, 7)}`;
      const response = await inject('POST', '/v1/batches', {
        batchId,
        agentId: 'ag',
        [field]: value,
        conversations: [{ turns: ['x'] }],
      });
      expect(response.statusCode).toBe(400);
      expect(response.json().issues[0].path).toEqual([field]);
      expect(response.json().message).toContain(value);
      expect((await inject('GET', `/v1/batches/${batchId}`)).statusCode).toBe(404);
    }
  });

  it.each(impossible)('query parameters and form fields: %s is a 400', async (value) => {
    const query = await h.app.inject({
      method: 'POST',
      url: `/v1/batches?batchId=bad-query&scheduleAt=${encodeURIComponent(value)}`,
      headers: { ...AUTH, 'content-type': 'text/csv' },
      payload: CSV,
    });
    expect(query.statusCode).toBe(400);
    expect(query.json().issues[0].path).toEqual(['scheduleAt']);
    const form = multipartBody([
      { name: 'batchId', value: 'bad-form' },
      { name: 'expireAt', value },
      { name: 'file', filename: 'a.csv', content: CSV },
    ]);
    const upload = await h.app.inject({
      method: 'POST',
      url: '/v1/batches',
      headers: { ...AUTH, ...form.headers },
      payload: form.payload,
    });
    expect(upload.statusCode).toBe(400);
    expect(upload.json().issues[0].path).toEqual(['expireAt']);
    for (const id of ['bad-query', 'bad-form'])
      expect((await inject('GET', `/v1/batches/${id}`)).statusCode).toBe(404);
  });
});
