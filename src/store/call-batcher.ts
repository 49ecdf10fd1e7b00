/**
 * Gathers calls made in the same turn of the event loop into one. A worker at concurrency 50
 * begins and records many turns at once; one Redis command carrying all of them costs the
 * worker a fraction of the CPU of one command each (the per-command work in ioredis and the
 * socket write dominate the hot path). The latency added is at most one macrotask.
 */
export function createCallBatcher<Item, Result>(
  flush: (items: Item[]) => Promise<Result[]>,
  /** Flush early when this many calls are waiting. Default 200. */
  maxItems = 200,
): (item: Item) => Promise<Result> {
  let pending: { item: Item; resolve: (r: Result) => void; reject: (e: unknown) => void }[] = [];
  let scheduled = false;

  function send(): void {
    scheduled = false;
    const calls = pending;
    pending = [];
    if (calls.length === 0) return;
    flush(calls.map((c) => c.item)).then(
      (results) => {
        calls.forEach((call, i) => {
          if (i < results.length) call.resolve(results[i]!);
          else call.reject(new Error('the batched call returned too few results'));
        });
      },
      (error: unknown) => calls.forEach((call) => call.reject(error)),
    );
  }

  return (item) =>
    new Promise<Result>((resolve, reject) => {
      pending.push({ item, resolve, reject });
      if (pending.length >= maxItems) send();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(send);
      }
    });
}
