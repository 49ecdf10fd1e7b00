import { PassThrough, type Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from './errors.js';

/** How slowly a request body may arrive before the request is cut off (408). */
export interface BodyGuardOptions {
  /**
   * Longest silence while the body is expected, in ms; also the grace before the rate applies.
   * `CHATBATCH_API_BODY_IDLE_MS`, default 20000.
   */
  idleMs: number;
  /**
   * Average rate a body must keep after the grace, in bytes per second; 0 = none.
   * `CHATBATCH_API_BODY_MIN_RATE`, default 500.
   */
  minBytesPerSecond: number;
}

/**
 * Watches a request body as it streams and calls `onTimeout` (once) when it arrives too
 * slowly: no byte for `idleMs`, or less than `minBytesPerSecond` on average (each byte buys
 * 1/minBytesPerSecond s of budget, and the budget never exceeds `idleMs` ahead). This is what
 * Apache's mod_reqtimeout does (`body=20,MinRate=500`): one byte every 10 s keeps a connection
 * for about `idleMs`, not forever.
 *
 * Time while the stream is paused is not counted: a pause is our own backpressure (the ingest
 * is busy), not the client being slow. Attach only to a stream that is already being read
 * (piped): this adds a `data` listener. Returns a function that stops watching.
 */
export function watchBody(
  source: Readable,
  options: BodyGuardOptions,
  onTimeout: (error: ApiError) => void,
  now: () => number = Date.now,
): () => void {
  const { idleMs, minBytesPerSecond } = options;
  let deadline = now() + idleMs;
  let pausedAt: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const stop = () => {
    stopped = true;
    clearTimeout(timer);
    source.off('data', onData);
    source.off('pause', onPause);
    source.off('resume', onResume);
    source.off('end', stop);
    source.off('close', stop);
    source.off('error', stop);
  };
  const check = () => {
    if (stopped || pausedAt !== undefined) return;
    const left = deadline - now();
    if (left > 0) {
      timer = setTimeout(check, left);
      return;
    }
    stop();
    onTimeout(
      new ApiError(
        'request_timeout',
        minBytesPerSecond > 0
          ? `the request body arrived too slowly (a pause over ${idleMs} ms, or under ` +
              `${minBytesPerSecond} bytes/s); nothing was enqueued`
          : `the request body stalled for ${idleMs} ms; nothing was enqueued`,
      ),
    );
  };
  function onData(chunk: Buffer | string) {
    const at = now();
    const earned = minBytesPerSecond > 0 ? (chunk.length * 1000) / minBytesPerSecond : Infinity;
    deadline = Math.min(deadline + earned, at + idleMs);
  }
  function onPause() {
    if (pausedAt !== undefined) return;
    pausedAt = now();
    clearTimeout(timer);
  }
  function onResume() {
    if (pausedAt === undefined) return;
    deadline += now() - pausedAt;
    pausedAt = undefined;
    clearTimeout(timer);
    check();
  }

  source.on('data', onData);
  source.on('pause', onPause);
  source.on('resume', onResume);
  source.on('end', stop);
  source.on('close', stop);
  source.on('error', stop);
  if (source.isPaused()) onPause();
  check();
  return stop;
}

/** Whether a request says it has a body (a length over 0, or chunked). */
function hasBody(request: FastifyRequest): boolean {
  const length = Number(request.headers['content-length'] ?? 0);
  return length > 0 || request.headers['transfer-encoding'] !== undefined;
}

/**
 * Guards every request body fastify reads (JSON, and the streamed CSV) with `watchBody`: the
 * body is passed on through a stream that fails with a 408 when it arrives too slowly.
 * Multipart bodies are read by @fastify/multipart straight from the request, so they are
 * guarded where they are read (multipart-submission.ts).
 */
export function registerBodyGuard(app: FastifyInstance, options: BodyGuardOptions): void {
  app.addHook('preParsing', async (request, _reply, payload) => {
    if (!hasBody(request) || request.headers['content-type']?.startsWith('multipart/'))
      return payload;
    const guarded = new PassThrough();
    payload.on('error', (error) => guarded.destroy(error));
    payload.pipe(guarded);
    // Not the request: destroying it would close the socket before the 408 is written.
    watchBody(payload, options, (error) => guarded.destroy(error));
    return guarded;
  });
}
