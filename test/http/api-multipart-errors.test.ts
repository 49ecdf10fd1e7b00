import { connect } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH, createApiHarness, type ApiHarness } from './api-harness.js';

let h: ApiHarness;
beforeAll(async () => {
  h = await createApiHarness();
});
afterAll(() => h.close());

const B = 'err-boundary';
const field = (name: string, value: string) =>
  `--${B}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
const fileHead = `--${B}\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\nContent-Type: text/csv\r\n\r\n`;

const upload = (payload: string | Readable) =>
  Promise.race([
    h.app.inject({
      method: 'POST',
      url: '/v1/batches',
      headers: { ...AUTH, 'content-type': `multipart/form-data; boundary=${B}` },
      payload,
    }),
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('no answer: the request hangs')), 10_000),
    ),
  ]);

describe('multipart bodies the parser cannot read are a 400', () => {
  it.each([
    [
      'ends inside the file',
      `${field('batchId', 'mp-trunc-1')}${fileHead}input,agent_id\r\nhi,ag\r\n`,
    ],
    [
      'ends inside a field',
      `${field('agentId', 'ag')}--${B}\r\nContent-Disposition: form-data; name="batchId"\r\n\r\nmp-trunc-2`,
    ],
    ['ends inside the part headers', `${field('batchId', 'mp-trunc-3')}--${B}\r\nContent-Disposit`],
    ['is not multipart at all', 'just some text'],
  ])('an upload that %s', async (_what, body) => {
    const response = await upload(body);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: 'invalid_request' });
    expect(response.json().message).toMatch(/^multipart body: /);
  });

  it('an upload cut off by the client (socket closed mid-file) is a client error, not a 500', async () => {
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = h.app.server.address() as { port: number };
    const body = `${field('batchId', 'mp-trunc-5')}${fileHead}input,agent_id\r\n${'hi,ag\r\n'.repeat(2000)}`;
    await new Promise<void>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(
          `POST /v1/batches HTTP/1.1\r\nHost: x\r\nAuthorization: ${AUTH.authorization}\r\n` +
            `Content-Type: multipart/form-data; boundary=${B}\r\n` +
            `Content-Length: ${body.length * 2}\r\n\r\n${body}`,
        );
        setTimeout(() => socket.destroy(), 200);
      });
      socket.on('close', () => resolve());
      socket.on('error', () => undefined);
    });
    // The answer has nobody to go to: what matters is that it is not logged as a server error.
    await new Promise((r) => setTimeout(r, 500));
    const errors = h.logs.filter((line) => line.includes('"level":50'));
    expect(errors).toEqual([]);
    expect(await h.batchStore.status('mp-trunc-5')).toBeUndefined();
  });

  it('nothing of a truncated upload was enqueued', async () => {
    for (const id of ['mp-trunc-1', 'mp-trunc-5'])
      expect(await h.batchStore.status(id)).toBeUndefined();
  });

  it('a form field over the limit (1,024 bytes) is an error naming it, not cut silently', async () => {
    const body = `${field('batchId', 'mp-long')}${field('window', `mon-fri 09:00-18:00 ${'x'.repeat(2000)}`)}${fileHead}input,agent_id\r\nhi,ag\r\n\r\n--${B}--\r\n`;
    const response = await upload(body);
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toBe(
      'multipart body: field "window" is longer than 1024 bytes',
    );
    expect(await h.batchStore.status('mp-long')).toBeUndefined();
  });
});
