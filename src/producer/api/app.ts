import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyRequest } from 'fastify';
import { serializerCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Redis } from 'ioredis';
import type { Config } from '../../shared/config.js';
import type { Keys } from '../../shared/keys.js';
import type { Logger } from '../../shared/logger.js';
import type { Metrics } from '../../shared/metrics.js';
import { VERSION } from '../../shared/version.js';
import type { AppendStore } from '../../store/append-store.js';
import type { BatchStore } from '../../store/batch-store.js';
import type { RejectedStore } from '../../store/rejected-store.js';
import type { MaintenanceStore } from '../../store/maintenance-store.js';
import type { TurnQueue } from '../../shared/turn-queue.js';
import type { IngestDeps } from '../ingest.js';
import type { ScheduleService } from '../schedules/schedule-service.js';
import type { SuppressionStore } from '../../store/suppression-store.js';
import type { FailedEvents } from '../../webhooks/failed-events.js';
import { createBatchControl } from '../batch-control.js';
import { registerAdmin } from './admin.js';
import { registerBodyGuard } from './body-guard.js';
import { createReadinessProbe } from './readiness.js';
import { registerBrowserPageHeaders } from './page-security.js';
import { createAuthCheck } from './auth.js';
import { registerConsole } from './console/serve-console.js';
import { registerJsonParser } from './content-parsers.js';
import type { ApiContext, ZodApp } from './context.js';
import { registerDocs } from './docs.js';
import { createErrorHandler } from './error-handler.js';
import { ApiError, redisUnavailable } from './errors.js';
import { createIdempotencyStore } from './idempotency/idempotency-store.js';
import { registerBatchRoutes } from './routes/batches.js';
import { registerControlRoutes } from './routes/control.js';
import { registerRejectedRoute } from './routes/rejected.js';
import { registerConversationRoutes } from './routes/conversations.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerSubmitRoute } from './submit/submit-route.js';
import { registerScheduleRoutes } from './routes/schedules.js';
import { registerSuppressionRoutes } from './routes/suppressions.js';
import { registerWebhookRoutes } from './routes/webhooks.js';
import { zodValidatorCompiler } from './validation.js';

/** What the API needs of the process's services (src/services.ts, role `api`). */
export interface ApiServices {
  /** A producer connection (fails fast while Redis is away: the API answers 503, never hangs). */
  readonly redis: Redis;
  readonly keys: Keys;
  readonly batchStore: BatchStore;
  readonly turnQueue: TurnQueue;
  readonly maintenance: MaintenanceStore;
  readonly appendStore: AppendStore;
  readonly rejectedStore: RejectedStore;
  readonly schedules: ScheduleService;
  readonly suppressions: SuppressionStore;
  readonly failedWebhooks: FailedEvents;
  ingestDeps(metrics?: Metrics): IngestDeps;
}

export interface ApiDeps {
  /** Tokens (`apiTokens`), body limits and timeouts, retention, webhook URL and secrets. */
  config: Pick<
    Config,
    | 'apiTokens'
    | 'apiTokenWarnings'
    | 'apiJsonLimitBytes'
    | 'apiCsvLimitBytes'
    | 'retentionSeconds'
    | 'apiRequestTimeoutMs'
    | 'apiBodyIdleMs'
    | 'apiBodyMinRate'
    | 'webhookUrl'
    | 'webhookSecrets'
  >;
  services: ApiServices;
  /** Its registry is served at /metrics; ingests count into `chatbatch_ingest_rows_total`. */
  metrics: Metrics;
  logger: Logger;
  /** Serve without authentication (`--insecure-no-auth`): logs a warning. Default false. */
  insecureNoAuth?: boolean;
  /** Clock for generated batch ids, in ms. Default `Date.now`. */
  now?: () => number;
  /** Id of a batch submitted without one. Default `api-<UTC time>-<random>`. */
  newBatchId?: () => string;
  /** Idempotency-Key answers are replayed for this long, in seconds. Default 24 hours. */
  idempotencyTtlSeconds?: number;
  /** Folder of the built web console served at `/`. Default: `dist/console` of this package. */
  consoleRoot?: string;
  /** Largest Idempotency-Key answer kept, in bytes (bigger ones are compacted). Default 256 KiB. */
  idempotencyMaxBytes?: number;
}

/** The API cannot start as configured (no token, and no --insecure-no-auth). */
export class ApiStartError extends Error {
  override readonly name = 'ApiStartError';
}

/** The one start-up guard of the API: it never serves unauthenticated by accident. */
export function assertCanStart(
  config: Pick<Config, 'apiTokens'>,
  insecureNoAuth: boolean | undefined,
): void {
  if (config.apiTokens.length === 0 && !insecureNoAuth) {
    throw new ApiStartError(
      'CHATBATCH_API_TOKENS: set at least one token (comma-separated), or start with --insecure-no-auth',
    );
  }
}

/** How often Node checks request timeouts: its default 30 s, a tenth of a short timeout (≥ 1 s). */
function requestCheckIntervalMs(requestTimeoutMs: number): number {
  if (requestTimeoutMs <= 0) return 30_000;
  return Math.min(30_000, Math.max(1000, Math.round(requestTimeoutMs / 10)));
}

export function defaultBatchId(now: () => number): string {
  const stamp = new Date(now()).toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
  return `api-${stamp}-${randomBytes(4).toString('hex')}`;
}

/**
 * Builds the producer HTTP API (fastify's `build(opts)`: `listen` is the caller's). Every
 * route goes through the same code as the CLI: `ingestRows`, the batch store, `createBatchControl`,
 * `resultLines`. The web console at `/` is static files that call these routes.
 */
export async function buildApp(deps: ApiDeps): Promise<ZodApp> {
  const { config, services, logger } = deps;
  const { redis } = services;
  assertCanStart(config, deps.insecureNoAuth);
  for (const warning of config.apiTokenWarnings) logger.warn(warning);
  if (deps.insecureNoAuth) {
    logger.warn(
      'authentication is OFF (--insecure-no-auth): anyone who can reach this port can submit, read and cancel batches',
    );
  }
  const now = deps.now ?? Date.now;
  const ctx: ApiContext = {
    redis,
    batchStore: services.batchStore,
    turnQueue: services.turnQueue,
    appendStore: services.appendStore,
    rejectedStore: services.rejectedStore,
    ingestDeps: services.ingestDeps(deps.metrics),
    control: createBatchControl({
      batchStore: services.batchStore,
      turnQueue: () => services.turnQueue,
      maintenance: services.maintenance,
    }),
    idempotency: createIdempotencyStore({
      redis,
      keys: services.keys,
      ttlSeconds: deps.idempotencyTtlSeconds,
      maxRecordBytes: deps.idempotencyMaxBytes,
    }),
    schedules: services.schedules,
    suppressions: services.suppressions,
    limits: { jsonBytes: config.apiJsonLimitBytes, csvBytes: config.apiCsvLimitBytes },
    webhooks: { defaultUrl: config.webhookUrl, secretSet: config.webhookSecrets.length > 0 },
    failedWebhooks: services.failedWebhooks,
    readiness: createReadinessProbe({ redis, key: services.keys.readyProbe }),
    bodyGuard: { idleMs: config.apiBodyIdleMs, minBytesPerSecond: config.apiBodyMinRate },
    newBatchId: deps.newBatchId ?? (() => defaultBatchId(now)),
  };

  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: ctx.limits.jsonBytes,
    forceCloseConnections: true,
    // A whole request, body included, must arrive within this; bodies that trickle are cut
    // sooner by the body guard. No socket idle timeout (`connectionTimeout`): a long ingest
    // is silent until it answers. Keep-alive stays fastify's 72 s.
    requestTimeout: config.apiRequestTimeoutMs,
    // Node honours a request timeout only when the server is created with it (fastify sets
    // `server.requestTimeout` afterwards, which Node's connection checks ignore): a body that
    // trickled forever was never cut. Checked every 30 s, or sooner for a short timeout.
    http: {
      requestTimeout: config.apiRequestTimeoutMs,
      connectionsCheckingInterval: requestCheckIntervalMs(config.apiRequestTimeoutMs),
    },
    // find-my-way answers 414 past 100 characters of a path parameter, below the id rules
    // (batch ids up to 128, conversation ids up to 256 characters, percent-encoded here):
    // the id schemas decide, with a 400 that says which rule.
    routerOptions: { maxParamLength: 4096 },
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(zodValidatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  const answerError = createErrorHandler({ redis, jsonLimitBytes: ctx.limits.jsonBytes });
  app.setErrorHandler(answerError);
  app.setNotFoundHandler((request) => {
    throw new ApiError('not_found', `no route ${request.method} ${request.url.split('?')[0]}`);
  });
  registerJsonParser(app, ctx.limits.jsonBytes);
  registerBodyGuard(app, ctx.bodyGuard);
  registerBrowserPageHeaders(app);

  // Answered here rather than thrown: the bull-board plugin has an error handler of its own.
  const checkAuth = deps.insecureNoAuth ? () => undefined : createAuthCheck(config.apiTokens);
  app.addHook('onRequest', async (request, reply) => {
    const refusal = checkAuth(request, reply) ?? redisGate(request, redis);
    if (refusal) return answerError(refusal, request, reply);
  });

  await registerDocs(app, VERSION);
  registerHealthRoutes(app, ctx, deps.metrics.registry);
  registerSubmitRoute(app, ctx);
  registerBatchRoutes(app, ctx);
  registerRejectedRoute(app, ctx);
  registerControlRoutes(app, ctx);
  registerWebhookRoutes(app, ctx);
  registerConversationRoutes(app, ctx);
  registerScheduleRoutes(app, ctx);
  registerSuppressionRoutes(app, ctx);
  await registerAdmin(app, services.turnQueue.queue);
  registerConsole(app, { root: deps.consoleRoot, logger });
  return app;
}

/** Fail fast while Redis is away rather than queue or hang (/readyz says so too). */
function redisGate(request: FastifyRequest, redis: Redis): ApiError | undefined {
  if (request.routeOptions.config?.public) return undefined;
  const path = request.url;
  const needsRedis = path.startsWith('/v1/') || path.startsWith('/admin/');
  return needsRedis && redis.status !== 'ready' ? redisUnavailable() : undefined;
}
