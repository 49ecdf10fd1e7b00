import type { Logger } from '../shared/logger.js';

/** How often a process started by npm checks that its parent is still there, in ms. */
const PARENT_POLL_MS = 1000;

/**
 * True when npm started this process (`npx chatbatch …`, `npm run …`): npm runs the bin through
 * `sh -c`, and killing npx (`kill %1` on `npx chatbatch worker &`) takes the shell down but not
 * node, which would go on sending, orphaned. Such a process stops when its parent goes.
 */
export function startedByNpm(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.npm_command !== undefined || env.npm_lifecycle_event !== undefined;
}

export interface StopOptions {
  /**
   * Also stop (as on SIGTERM) when the parent process exits. Default: when npm started this
   * process (see startedByNpm). A process run directly (`nohup chatbatch worker &`, a process
   * manager) must outlive its parent, so it does not watch.
   */
  watchParent?: boolean;
  /** How often to look at the parent, in ms. Default 1000. */
  parentPollMs?: number;
}

/**
 * Waits for SIGTERM or SIGINT (or the parent's exit, see StopOptions), then runs `stop` (finish
 * in-flight work, close connections). Stopping is bounded: with Redis gone, closing BullMQ would
 * wait forever, so after `boundMs` the process exits anyway. Nothing is lost by that: a turn that
 * could not be recorded is picked up again by stalled-job recovery, and its lease keeps it from
 * being sent twice at once.
 */
export function untilStopSignal(
  logger: Logger,
  stop: () => Promise<void>,
  boundMs: number,
  options: StopOptions = {},
): Promise<void> {
  return new Promise<void>((resolve) => {
    let stopping = false;
    let parentWatch: NodeJS.Timeout | undefined;
    const onSignal = (signal: string) => {
      if (stopping) return;
      stopping = true;
      clearInterval(parentWatch);
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
    if (options.watchParent ?? startedByNpm()) {
      const parent = process.ppid;
      parentWatch = setInterval(() => {
        if (process.ppid !== parent) onSignal('parent exited');
      }, options.parentPollMs ?? PARENT_POLL_MS);
      parentWatch.unref();
    }
  });
}
