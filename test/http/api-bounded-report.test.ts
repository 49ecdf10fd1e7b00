import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH, createApiHarness, type ApiHarness } from './api-harness.js';

let h: ApiHarness;
beforeAll(async () => {
  h = await createApiHarness();
});
afterAll(() => h.close());

const csv = (body: string, query: string, headers: Record<string, string> = {}) =>
  h.app.inject({
    method: 'POST',
    url: `/v1/batches?${query}`,
    headers: { ...AUTH, 'content-type': 'text/csv', ...headers },
    payload: body,
  });

/** `count` rows without an input (each rejected), every 3rd also with an unknown time zone. */
function invalidCsv(count: number): string {
  const rows = Array.from({ length: count }, (_, i) => `,ag,${i % 3 === 0 ? 'Mars/Base' : ''}`);
  return `input,agent_id,timezone\n${rows.join('\n')}\n`;
}

describe('the cost of an ingest report is bounded', () => {
  it('lists the first 1,000 rejected rows in full and counts the rest by error', async () => {
    const response = await csv(invalidCsv(5000), 'batchId=bounded&dryRun=true');
    expect(response.statusCode).toBe(202);
    const report = response.json();
    expect(report).toMatchObject({ rejected: 5000, accepted: 0, discarded: true });
    expect(report.rejectedRows).toHaveLength(1000);
    expect(report.rejectedRows[0]).toEqual({
      line: 2,
      conversationId: 'line-2',
      errors: ['input: must not be empty', 'timezone: "Mars/Base" is not an IANA time zone'],
    });
    expect(report.rejectedRows[999].line).toBe(1001);
    expect(report.rejectedRowsOmitted).toBe(4000);
    expect(report.rejectedErrorCounts).toEqual({
      'input: must not be empty': 4000,
      'timezone: "Mars/Base" is not an IANA time zone': 1333,
    });
    expect(response.body.length).toBeLessThan(150_000);
  });

  it('keeps the contract shape when nothing is omitted', async () => {
    const report = (await csv(invalidCsv(3), 'batchId=small&dryRun=true')).json();
    expect(Object.keys(report)).not.toContain('rejectedRowsOmitted');
    expect(report.rejectedRows).toHaveLength(3);
  });

  it('counts at most 100 distinct messages, the rest as "(other errors)"', async () => {
    const rows = Array.from({ length: 1500 }, (_, i) => `hi,ag,Zone/N${i}`);
    const report = (
      await csv(`input,agent_id,timezone\n${rows.join('\n')}\n`, 'batchId=distinct&dryRun=true')
    ).json();
    const counts = report.rejectedErrorCounts as Record<string, number>;
    expect(Object.keys(counts)).toHaveLength(101);
    expect(counts['(other errors)']).toBe(400);
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(500);
  });

  it('bounds each listed row: a huge conversation id and a huge cell are cut in the report', async () => {
    const id = 'c'.repeat(100_000);
    const zone = 'z'.repeat(100_000);
    const report = (
      await csv(
        `conversation_id,input,agent_id,timezone\n${id},hi,ag,${zone}\n`,
        'batchId=huge&dryRun=true',
      )
    ).json();
    const [row] = report.rejectedRows;
    expect(row.conversationId.length).toBeLessThanOrEqual(257);
    expect(JSON.stringify(row).length).toBeLessThan(1000);
  });

  it('what the idempotency store keeps is bounded too', async () => {
    const response = await csv(invalidCsv(5000), 'batchId=idem-bounded&dryRun=true', {
      'idempotency-key': 'bounded-report-1',
    });
    expect(response.statusCode).toBe(202);
    const keys = await h.redis.keys(`{${h.prefix}}:idem:*`);
    expect(keys).toHaveLength(1);
    expect(await h.redis.strlen(keys[0]!)).toBeLessThan(200_000);
    const replay = await csv(invalidCsv(5000), 'batchId=idem-bounded&dryRun=true', {
      'idempotency-key': 'bounded-report-1',
    });
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json()).toEqual(response.json());
  });

  it('an answer over the idempotency limit is kept with its rows counted instead of listed', async () => {
    const small = await createApiHarness({ deps: { idempotencyMaxBytes: 8192 } });
    try {
      const send = () =>
        small.app.inject({
          method: 'POST',
          url: '/v1/batches?batchId=idem-small&dryRun=true',
          headers: { ...AUTH, 'content-type': 'text/csv', 'idempotency-key': 'small-1' },
          payload: invalidCsv(300),
        });
      const first = await send();
      expect(first.json().rejectedRows).toHaveLength(300);
      const [key] = await small.redis.keys(`{${small.prefix}}:idem:*`);
      expect(await small.redis.strlen(key!)).toBeLessThanOrEqual(8192);
      const replay = await send();
      expect(replay.headers['idempotent-replayed']).toBe('true');
      const { rejectedRows: _listed, ...counts } = first.json();
      expect(replay.json()).toEqual({
        ...counts,
        rejectedRows: [],
        rejectedRowsOmitted: 300,
        rejectedErrorCounts: {
          'input: must not be empty': 300,
          'timezone: "Mars/Base" is not an IANA time zone': 100,
        },
      });
    } finally {
      await small.close();
    }
  });
});
