import { PassThrough } from 'node:stream';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { BodyMeter, Fingerprint } from '../../src/producer/api/submit/body-meter.js';
import { feed } from '../../src/producer/api/submit/submissions.js';
import { ApiError } from '../../src/producer/api/errors.js';

describe('feed: a body into its meter', () => {
  it("answers the body's own failure as the client's 400, naming the body", async () => {
    const body = new PassThrough();
    const meter = new BodyMeter(1024, 'the CSV body', new Fingerprint());
    feed(body, meter, 'CSV body');
    body.write('conversation_id,input\n');
    body.destroy(new Error('aborted'));
    const [error] = (await once(meter, 'error')) as [ApiError];
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: 'invalid_request', message: 'CSV body: aborted' });
  });
});
