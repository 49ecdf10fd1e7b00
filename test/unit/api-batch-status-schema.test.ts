import { serializerCompiler } from 'fastify-type-provider-zod';
import { describe, expect, it } from 'vitest';
import { batchStatusSchema } from '../../src/producer/api/schemas/common.js';
import type { BatchStatus } from '../../src/shared/records.js';

/** Serializes as the API does for `GET /v1/batches/:id` (its response schema). */
const serialize = serializerCompiler({
  schema: batchStatusSchema,
  method: 'GET',
  url: '/v1/batches/:batchId',
}) as (data: unknown) => string;

const status: BatchStatus = {
  batchId: 'b1',
  state: 'paused',
  conversations: {
    total: 3,
    pending: 1,
    active: 0,
    completed: 1,
    ended: 0,
    failed: 0,
    cancelled: 0,
    expired: 0,
    suppressed: 1,
  },
  turns: {
    total: 4,
    pending: 2,
    completed: 1,
    failed: 0,
    skipped: 0,
    cancelled: 0,
    expired: 0,
    suppressed: 1,
  },
  createdAt: '2026-01-01T10:00:00.000Z',
  scheduledAt: null,
  finishedAt: null,
  priority: 'high',
  weight: 3,
};

describe('the batch status answer', () => {
  it('keeps suppressed counts, priority and weight', () => {
    expect(JSON.parse(serialize(status))).toEqual(status);
  });

  it('passes pausedReason and nextSendAt through once the status object has them', () => {
    const newer = { ...status, pausedReason: 'operator', nextSendAt: '2026-01-02T09:00:00.000Z' };
    expect(JSON.parse(serialize(newer))).toEqual(newer);
    const cleared = { ...status, pausedReason: null, nextSendAt: null };
    expect(JSON.parse(serialize(cleared))).toEqual(cleared);
    // Absent until the server fills them in: not invented as null.
    expect(Object.keys(JSON.parse(serialize(status)) as object)).not.toContain('pausedReason');
  });

  it('still drops a key it does not declare', () => {
    expect(JSON.parse(serialize({ ...status, internal: 'x' }))).toEqual(status);
  });
});
