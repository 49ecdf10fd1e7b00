/** The Retry-After (s) of a 429 for exceeding the capacity. */
export const CAPACITY_RETRY_AFTER_SECONDS = 1;

/**
 * A vendor's account capacity: at most `capacity` accepted requests in any sliding one-second
 * window; a request beyond it is refused (429). Undefined capacity = no limit. Memory is
 * bounded by the capacity (the accepted times still inside the window).
 */
export class CapacityGate {
  #capacity: number | undefined;
  /** Accepted arrival times (ms), oldest first, from `#head` on. */
  #times: number[] = [];
  #head = 0;

  constructor(capacity?: number) {
    this.#capacity = checkCapacity(capacity);
  }

  get capacity(): number | undefined {
    return this.#capacity;
  }

  /** Changes the capacity from now on; the accepted times already in the window still count. */
  set capacity(capacity: number | undefined) {
    this.#capacity = checkCapacity(capacity);
  }

  /** Whether a request arriving at `now` (ms) is accepted; if so it counts from now on. */
  admit(now: number): boolean {
    if (this.#capacity === undefined) return true;
    const times = this.#times;
    while (this.#head < times.length && times[this.#head]! <= now - 1000) this.#head++;
    // Drop the expired prefix now and then, not on every request.
    if (this.#head > 1024 && this.#head * 2 > times.length) {
      times.splice(0, this.#head);
      this.#head = 0;
    }
    if (times.length - this.#head >= this.#capacity) return false;
    times.push(now);
    return true;
  }

  /** Forgets the accepted times (the capacity stays). */
  reset(): void {
    this.#times = [];
    this.#head = 0;
  }
}

/** A capacity is undefined (no limit) or a number ≥ 0; anything else is a programming error. */
export function checkCapacity(capacity: number | undefined): number | undefined {
  if (capacity === undefined) return undefined;
  if (!Number.isFinite(capacity) || capacity < 0) {
    throw new RangeError(`simulator: capacity must be a number ≥ 0, got ${capacity}`);
  }
  return capacity;
}
