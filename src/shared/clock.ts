/**
 * Waiting, as a function that can be injected: code takes `now: () => number` and
 * `sleep(ms)` as dependencies so retry maths and schedules are tested without real timers.
 */
export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));
