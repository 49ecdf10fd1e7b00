import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance, RawServerDefault } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Redis } from 'ioredis';
import type { BatchStore } from '../../store/batch-store.js';
import type { AppendStore } from '../../store/append-store.js';
import type { RejectedStore } from '../../store/rejected-store.js';
import type { TurnQueue } from '../../shared/turn-queue.js';
import type { BatchControl } from '../batch-control.js';
import type { BodyGuardOptions } from './body-guard.js';
import type { ReadinessProbe } from './readiness.js';
import type { IngestDeps } from '../ingest.js';
import type { IdempotencyStore } from './idempotency/idempotency-store.js';
import type { ScheduleService } from '../schedules/schedule-service.js';
import type { SuppressionStore } from '../../store/suppression-store.js';
import type { FailedEvents } from '../../webhooks/failed-events.js';

/** The app as routes see it: fastify with zod schemas as the type provider. */
export type ZodApp = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  ZodTypeProvider
>;

/** What the routes share, built once by `buildApp` from its dependencies. */
export interface ApiContext {
  redis: Redis;
  batchStore: BatchStore;
  turnQueue: TurnQueue;
  appendStore: AppendStore;
  /** Each batch's rejected rows. */
  rejectedStore: RejectedStore;
  /** The one ingest path of CSV files and API bodies (src/producer/ingest.ts). */
  ingestDeps: IngestDeps;
  /** The one batch-control path of CLI and API (src/producer/batch-control.ts). */
  control: BatchControl;
  idempotency: IdempotencyStore;
  /** Recurring runs (the CLI's `chatbatch schedule`). */
  schedules: ScheduleService;
  /** The suppression list of the contact rules. */
  suppressions: SuppressionStore;
  /** Body limits in bytes. */
  limits: { jsonBytes: number; csvBytes: number };
  /** The server's webhook settings (a batch's webhookUrl needs a secret to sign with). */
  webhooks: { defaultUrl: string | undefined; secretSet: boolean };
  /** Webhook events that failed for good (`POST /v1/batches/:id/webhooks/retry`). */
  failedWebhooks: FailedEvents;
  /** `/readyz`: Redis answers and accepts writes. */
  readiness: ReadinessProbe;
  /** How slowly a request body may arrive (body-guard.ts). */
  bodyGuard: BodyGuardOptions;
  newBatchId(): string;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Open without a token (health, readiness, metrics: no customer data). */
    public?: boolean;
    /** Request body content types for the OpenAPI document, when fastify does not parse them. */
    openapiBody?: Record<string, unknown>;
  }
}
