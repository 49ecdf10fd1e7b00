import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postHead, slowUpload } from '../helpers/slow-upload.js';
import { TOKEN, createApiHarness, type ApiHarness } from './api-harness.js';

let h: ApiHarness;
let port: number;
beforeAll(async () => {
  // The body guard out of the way (a long idle limit, no minimum rate): only the request
  // timeout (CHATBATCH_API_REQUEST_TIMEOUT_MS, Node's server.requestTimeout) can end this.
  h = await createApiHarness({
    env: {
      CHATBATCH_API_REQUEST_TIMEOUT_MS: '1000',
      CHATBATCH_API_BODY_IDLE_MS: '120000',
      CHATBATCH_API_BODY_MIN_RATE: '0',
    },
  });
  await h.app.listen({ port: 0, host: '127.0.0.1' });
  port = (h.app.server.address() as { port: number }).port;
});
afterAll(() => h.close());

describe('the request timeout', () => {
  it('ends a request whose body never stops trickling, with a 408', async () => {
    const body = `input,agent_id\n${'hello,ag\n'.repeat(10_000)}`;
    const head = postHead(
      TOKEN,
      'text/csv',
      body.length,
      '/v1/batches?dryRun=true&batchId=forever',
    );
    // 2 bytes every 100 ms: never idle, and the body would take 7 minutes. Node checks request
    // timeouts every second here (a tenth of the timeout, at least 1 s).
    const upload = await slowUpload(port, head, body, 100, { bytes: 2, giveUpMs: 30_000 });
    const result = { status: upload.status, afterMs: upload.closedAfterMs };
    expect(result.status).toBe('408');
    // Cut at Node's next check after the 1 s limit, not when the body ends (7 minutes).
    expect(result.afterMs).toBeGreaterThanOrEqual(1000);
    expect(result.afterMs).toBeLessThan(15_000);
    expect(await h.batchStore.status('forever')).toBeUndefined();
  }, 40_000);
});
