import type { Logger } from '../shared/logger.js';

/**
 * Waits for SIGTERM or SIGINT, then runs `stop` (finish in-flight work, close connections).
 * Stopping is bounded: with Redis gone, closing BullMQ would wait forever, so after `boundMs`
 * the process exits anyway. Nothing is lost by that: a turn that could not be recorded is
 * picked up again by stalled-job recovery, and its lease keeps it from being sent twice at once.
 */
export function untilStopSignal(
  logger: Logger,
  stop: () => Promise<void>,
  boundMs: number,
): Promise<void> {
  return new Promise<void>((resolve) => {
    let stopping = false;
    const onSignal = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'stopping: finishing work in flight');
      const timer = setTimeout(() => {
        logger.warn(
          { boundMs },
          'could not stop cleanly in time (is Redis reachable?); exiting anyway',
        );
        process.exit(0);
      }, boundMs);
      timer.unref();
      stop()
        .then(() => logger.info('stopped'))
        .catch((error: Error) => logger.error({ err: error.message }, 'error while stopping'))
        .finally(() => {
          clearTimeout(timer);
          resolve();
        });
    };
    process.once('SIGTERM', () => onSignal('SIGTERM'));
    process.once('SIGINT', () => onSignal('SIGINT'));
  });
}
