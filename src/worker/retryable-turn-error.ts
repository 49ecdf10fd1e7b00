/**
 * Thrown to hand a failed attempt back to BullMQ for a retry with backoff. It carries the
 * turn's own attempt number (our store counts attempts, BullMQ's counter also counts Redis
 * hiccups) and the vendor's Retry-After, which the backoff strategy honours.
 */
export class RetryableTurnError extends Error {
  constructor(
    message: string,
    readonly attempt: number,
    readonly retryAfterMs: number | undefined,
  ) {
    super(message);
    this.name = 'RetryableTurnError';
  }
}
