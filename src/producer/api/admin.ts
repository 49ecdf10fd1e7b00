import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';

type BoardOptions = Parameters<typeof createBullBoard>[0];

export const ADMIN_PATH = '/admin/queues';

/**
 * The bull-board queue dashboard, behind the API's auth (its routes are not public). Read-only:
 * the store, not the queue, is the source of truth, so batches are controlled through the API
 * (removing a job by hand would only leave a conversation for the watchdog to find).
 */
export async function registerAdmin(app: FastifyInstance, queue: Queue): Promise<void> {
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(ADMIN_PATH);
  createBullBoard({
    queues: [new BullMQAdapter(queue, { readOnlyMode: true })],
    // @bull-board/fastify pins its own copy of @bull-board/api: same shape, distinct types.
    serverAdapter: serverAdapter as unknown as BoardOptions['serverAdapter'],
  });
  await app.register(serverAdapter.registerPlugin(), { prefix: ADMIN_PATH });
}
