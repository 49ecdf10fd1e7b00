/**
 * Throughput as the vendor sees it, from the simulator's request log: from the first request's
 * arrival to the last request's arrival, plus the simulator's fixed latency (the last answer).
 * With `turns` requests through `concurrency` slots at latency L the ideal is exactly
 * turns ÷ concurrency × L, so a perfect worker scores 1.0 of ideal; the worker's start and the
 * queue's resume come before the first request and are not counted.
 */
export interface RequestSpan {
  /** Epoch ms of the first and the last arrival. */
  firstAt: number;
  lastAt: number;
  /** lastAt − firstAt, in ms. */
  spanMs: number;
  /** (spanMs + latencyMs) ÷ 1000. */
  seconds: number;
  turnsPerSec: number;
}

export function requestSpan(
  receivedAt: readonly number[],
  o: { turns: number; latencyMs: number },
): RequestSpan {
  if (receivedAt.length === 0) throw new Error('requestSpan: the simulator saw no request');
  let firstAt = Infinity;
  let lastAt = -Infinity;
  for (const t of receivedAt) {
    if (t < firstAt) firstAt = t;
    if (t > lastAt) lastAt = t;
  }
  const spanMs = lastAt - firstAt;
  const seconds = (spanMs + o.latencyMs) / 1000;
  return { firstAt, lastAt, spanMs, seconds, turnsPerSec: o.turns / seconds };
}
