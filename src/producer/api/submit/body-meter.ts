import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { payloadTooLarge } from '../errors.js';

/**
 * What makes two requests "the same" for the Idempotency-Key check: a SHA-256 over labelled
 * parts (the query, the fields, the body bytes), fed as the request is read, so a streamed body
 * is hashed without being held in memory.
 */
export class Fingerprint {
  readonly #hash: Hash = createHash('sha256');

  /** Adds a labelled value; labels keep `a=bc` and `ab=c` apart. */
  part(label: string, value: string | Buffer): this {
    const data = typeof value === 'string' ? Buffer.from(value) : value;
    this.#hash.update(`${label}\u0000${data.length}\u0000`).update(data);
    return this;
  }

  /** Adds raw bytes of a streamed body (call `part` first to label where they start). */
  bytes(chunk: Buffer): void {
    this.#hash.update(chunk);
  }

  digest(): string {
    return this.#hash.digest('hex');
  }
}

/**
 * Passes a streamed body through, counting its bytes against a limit (413 when passed, so the
 * ingest stops before it commits anything) and feeding them to a fingerprint.
 */
export class BodyMeter extends Transform {
  bytesSeen = 0;

  constructor(
    private readonly limitBytes: number,
    private readonly what: string,
    private readonly fingerprint: Fingerprint,
  ) {
    super();
    // Whoever reads the meter (the CSV reader's pipeline) gets its errors; this listener only
    // keeps an error raised before that reader starts from crashing the process.
    this.on('error', () => undefined);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytesSeen += chunk.length;
    if (this.bytesSeen > this.limitBytes) {
      done(payloadTooLarge(this.what, this.limitBytes));
      return;
    }
    this.fingerprint.bytes(chunk);
    done(null, chunk);
  }
}
