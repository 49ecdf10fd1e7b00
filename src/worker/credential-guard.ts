import type { Queue } from 'bullmq';
import type { Logger } from '../shared/logger.js';
import type { Metrics } from '../shared/metrics.js';
import type { TurnError } from '../shared/records.js';
import type { MaintenanceStore } from '../store/maintenance-store.js';

/**
 * A 401 or 403 from the vendor means our API key is wrong or revoked: every turn of every
 * batch would fail the same way. Instead of burning the batches into `failed`, pause the whole
 * queue (every worker stops taking turns), mark running batches paused, and say why. The turn
 * goes back to the queue with its attempt refunded; `chatbatch resume <batch>` continues.
 */
export function createCredentialGuard(deps: {
  queue: Queue;
  maintenance: MaintenanceStore;
  metrics: Metrics;
  logger: Logger;
  now: () => number;
}) {
  return {
    isCredentialFailure: (httpStatus: number | null) => httpStatus === 401 || httpStatus === 403,

    async pauseForCredentials(error: TurnError): Promise<void> {
      deps.metrics.vendorAuthFailures.inc({ status_code: String(error.httpStatus) });
      await deps.queue.pause();
      await deps.maintenance.setAuthPause({
        code: error.code,
        httpStatus: error.httpStatus ?? 0,
        at: new Date(deps.now()).toISOString(),
      });
      deps.logger.error(
        { code: error.code, httpStatus: error.httpStatus },
        'the vendor refused the API key: every batch is paused. Fix SIGMAMIND_API_KEY, restart the workers, then run: chatbatch resume <batch>',
      );
    },
  };
}
export type CredentialGuard = ReturnType<typeof createCredentialGuard>;
