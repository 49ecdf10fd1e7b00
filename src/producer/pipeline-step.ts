/**
 * One step of work kept in flight while the caller prepares the next: `next(run)` waits for the
 * step before (rethrowing its error), then starts `run` without waiting for it. The steps run
 * one at a time, in order; only the caller's own work overlaps them.
 */
export interface PipelineStep {
  /** Waits for the step in flight, then starts this one. */
  next(run: () => Promise<unknown>): Promise<void>;
  /** Waits for the step in flight; rethrows its error. */
  drain(): Promise<void>;
  /** Waits for the step in flight, ignoring its error (cleanup after a failure elsewhere). */
  settled(): Promise<void>;
}

export function createPipelineStep(): PipelineStep {
  let inFlight: Promise<unknown> = Promise.resolve();
  const drain = async () => {
    const step = inFlight;
    inFlight = Promise.resolve();
    await step;
  };
  return {
    async next(run) {
      await drain();
      inFlight = run();
      // Handled here so that a failure while the caller is busy is not an unhandled rejection;
      // drain() and the next next() still see it.
      inFlight.catch(() => undefined);
    },
    drain,
    async settled() {
      await inFlight.catch(() => undefined);
    },
  };
}
