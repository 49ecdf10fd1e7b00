import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postHead, slowUpload } from '../helpers/slow-upload.js';
import { TOKEN, createApiHarness, type ApiHarness } from './api-harness.js';

let h: ApiHarness;
let port: number;
beforeAll(async () => {
  // Short timeouts so the test takes seconds; the defaults are 20 s and 500 bytes/s.
  h = await createApiHarness({
    env: { CHATBATCH_API_BODY_IDLE_MS: '1500', CHATBATCH_API_BODY_MIN_RATE: '500' },
  });
  await h.app.listen({ port: 0, host: '127.0.0.1' });
  port = (h.app.server.address() as { port: number }).port;
});
afterAll(() => h.close());

/** The API's upload, with this suite's token; a dry run unless `path` says otherwise. */
const headOf = (contentType: string, length: number, path = '/v1/batches?dryRun=true') =>
  postHead(TOKEN, contentType, length, path);

describe('slow request bodies are cut off', () => {
  it('10 CSV uploads dripping one byte every 300 ms are all answered 408 and closed', async () => {
    const csv = `input,agent_id\n${'hello,ag\n'.repeat(50)}`;
    const uploads = await Promise.all(
      Array.from({ length: 10 }, () => slowUpload(port, headOf('text/csv', csv.length), csv, 300)),
    );
    for (const upload of uploads) {
      expect(upload.status).toBe('408');
      // idle 1.5 s at 3 bytes/s (under 500 bytes/s): cut near 1.5 s, with room for a busy CI.
      expect(upload.closedAfterMs).toBeLessThan(8000);
    }
  });

  it('a JSON body and a multipart upload dripping are cut off as well', async () => {
    const json = JSON.stringify({ agentId: 'a', conversations: [{ turns: ['x'.repeat(200)] }] });
    const boundary = 'slow-boundary';
    const form =
      `--${boundary}\r\nContent-Disposition: form-data; name="batchId"\r\n\r\nslow\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n` +
      `Content-Type: text/csv\r\n\r\ninput,agent_id\r\n${'hi,ag\r\n'.repeat(40)}\r\n--${boundary}--\r\n`;
    const [jsonUpload, formUpload, fieldsOnly] = await Promise.all([
      slowUpload(port, headOf('application/json', json.length), json, 300),
      // Fast through the fields, then slow inside the file.
      slowUpload(
        port,
        headOf(`multipart/form-data; boundary=${boundary}`, form.length) + form.slice(0, 140),
        form.slice(140),
        300,
      ),
      // Slow from the first byte of the form.
      slowUpload(port, headOf(`multipart/form-data; boundary=${boundary}`, form.length), form, 300),
    ]);
    for (const upload of [jsonUpload, formUpload, fieldsOnly]) {
      expect(upload.closedAfterMs).toBeLessThan(8000);
      expect(upload.status).toBe('408');
    }
    expect(await h.batchStore.status('slow')).toBeUndefined();
  });

  it('a body that keeps coming is not cut, even when it pauses less than the idle limit', async () => {
    const csv = `input,agent_id\n${'hello,ag\n'.repeat(20)}`;
    // 9 bytes every 40 ms is about 225 bytes/s: under the rate, but the whole body takes
    // under the 1.5 s of grace.
    const upload = await new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(headOf('text/csv', csv.length, '/v1/batches?dryRun=true&batchId=steady'));
        let at = 0;
        const timer = setInterval(() => {
          socket.write(csv.slice(at, at + 9));
          at += 9;
          if (at >= csv.length) clearInterval(timer);
        }, 40);
      });
      let answer = '';
      socket.on('data', (chunk) => {
        answer += chunk.toString();
        if (answer.includes('"discarded"')) {
          socket.destroy();
          resolve(answer);
        }
      });
    });
    expect(upload).toMatch(/^HTTP\/1\.1 202/);
  });
});
