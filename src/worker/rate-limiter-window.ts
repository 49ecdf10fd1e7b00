/**
 * BullMQ's limiter counts job starts in fixed windows. With one 1 s window, a burst at the end
 * of one window and another at the start of the next put 2× the limit into one second. Slicing
 * the second into windows of ~50 ms keeps any one-second span within about 1.05× the limit.
 */
export function rateLimiterWindow(startsPerSecond: number): { max: number; duration: number } {
  const perWindow = Math.max(1, Math.floor(startsPerSecond / 20));
  return {
    max: perWindow,
    duration: Math.max(1, Math.round((1000 * perWindow) / startsPerSecond)),
  };
}
